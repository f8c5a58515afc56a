#pragma once

// One LMDB environment (one file) shared by every embedded connection of this process, with
// RAII transactions and cursors. LMDB forbids opening the same file twice in one process, so
// environments are shared through a process-wide registry keyed by canonical path.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include <lmdb.h>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace armada::herald::embedded {

/// When committed data reaches the disk (see docs/providers/embedded.md).
enum class fsync_policy : std::uint8_t {
  always, ///< every commit is flushed before it returns (LMDB's default)
  batch,  ///< one flush per publish call; subscriber bookkeeping within `batch_sync_interval`
  never,  ///< the OS flushes when it likes; survives a process crash, not a power loss
};

/// Bookkeeping commits under `fsync_policy::batch` reach the disk at most this late.
inline constexpr std::chrono::milliseconds batch_sync_interval{1000};

/// How often writers free the reader slots of processes that died in a read transaction.
inline constexpr std::chrono::milliseconds reader_check_interval{10000};

struct env_options {
  std::string path;
  std::size_t map_size = 0;
  fsync_policy fsync = fsync_policy::batch;
};

class lmdb_env {
public:
  using clock_type = std::chrono::steady_clock;

  /// The environment of `opts.path`, opened (and initialised) on first use in this process.
  /// Errors name the file and the fix: a missing directory, a file that is not an LMDB file or
  /// belongs to another application, an fsync policy different from the one it is open with.
  static caf::expected<std::shared_ptr<lmdb_env>> open(const env_options& opts);

  lmdb_env(const lmdb_env&) = delete;
  lmdb_env& operator=(const lmdb_env&) = delete;
  ~lmdb_env();

  MDB_env* handle() const { return env_; }
  const std::string& path() const { return path_; }

  MDB_dbi meta = 0;
  MDB_dbi topics = 0;
  MDB_dbi groups = 0;
  MDB_dbi log = 0;
  MDB_dbi leases = 0;

  /// The error for LMDB result `rc` while doing `what` ("publishing to 'orders'").
  caf::error error(int rc, std::string_view what) const;

  /// Applies the fsync policy after a committed write; `publish` marks a batch boundary.
  caf::error after_commit(bool publish);

  /// Wakes every `wait` of this process (something changed in the file).
  void notify();
  /// The change counter `wait` compares against.
  std::uint64_t generation() const { return generation_.load(); }
  /// Waits until `notify` moved the counter past `seen`, `stop` is set, or `until`.
  void wait(std::uint64_t seen, clock_type::time_point until, const std::atomic<bool>& stop);

  /// Held shared by every transaction, exclusively to adopt a map grown by another process.
  std::shared_mutex& resize_mutex() { return resize_mtx_; }
  /// Adopts the map size another process set (after MDB_MAP_RESIZED).
  void adopt_map_size();

private:
  lmdb_env() = default;
  caf::error initialise();

  MDB_env* env_ = nullptr;
  bool opened_ = false;
  std::string path_;
  std::size_t map_size_ = 0;
  fsync_policy fsync_ = fsync_policy::batch;
  std::shared_mutex resize_mtx_;
  std::atomic<std::int64_t> last_sync_{0};
  std::atomic<std::int64_t> last_reader_check_{0};
  std::mutex wake_mtx_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> generation_{0};
};

/// A read or write transaction; aborted on destruction unless committed. Runs on one thread.
class transaction {
public:
  static caf::expected<transaction> begin(lmdb_env& env, bool write);

  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&&) = delete;
  ~transaction();

  /// Commits; a write transaction then applies the fsync policy (`publish`: a batch boundary).
  caf::error commit(bool publish = false);

  /// MDB_SUCCESS with `out` pointing into the map (valid until the transaction ends), or an
  /// LMDB code (MDB_NOTFOUND).
  int get(MDB_dbi dbi, std::string_view key, std::string_view& out) const;
  int put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  /// Deletes `key`; MDB_NOTFOUND when it was not there.
  int del(MDB_dbi dbi, std::string_view key);

  MDB_txn* handle() const { return txn_; }
  lmdb_env& env() const { return *env_; }

private:
  transaction(lmdb_env& env, std::shared_lock<std::shared_mutex> lock, MDB_txn* txn, bool write)
    : env_(&env), lock_(std::move(lock)), txn_(txn), write_(write) {}

  lmdb_env* env_;
  std::shared_lock<std::shared_mutex> lock_;
  MDB_txn* txn_;
  bool write_;
};

/// A cursor over one database within a transaction, iterating keys with a common prefix.
class cursor {
public:
  cursor(const transaction& txn, MDB_dbi dbi);
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  ~cursor();

  /// Moves to the first key >= `from` that starts with `prefix`; false at the end.
  bool seek(std::string_view from, std::string_view prefix);
  /// Moves to the next key that starts with the prefix of `seek`; false at the end.
  bool next();

  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  /// MDB_SUCCESS unless the cursor hit an error (not the end).
  int status() const { return rc_; }

private:
  bool settle(int rc);

  MDB_cursor* cur_ = nullptr;
  std::string prefix_;
  std::string_view key_;
  std::string_view value_;
  int rc_ = MDB_SUCCESS;
};

} // namespace armada::herald::embedded
