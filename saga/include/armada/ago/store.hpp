#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/ago/record.hpp"

namespace armada::ago {

/// Counters of a store (for benchmarks and `get_state`).
struct store_stats {
  std::uint64_t writes = 0;  ///< records written
  std::uint64_t commits = 0; ///< transactions committed (group commit puts many writes in one)
  std::uint64_t fsyncs = 0;  ///< flushes to disk
};

/// The saga log. One writer per saga id: every write names its owner, and is refused with
/// errc::lease_lost when another owner holds a lease on the record that has not expired.
/// Implementations are thread-safe.
class saga_store {
public:
  using done_fn = std::function<void(caf::error)>;

  virtual ~saga_store() = default;

  /// Durably writes `rec` (with `rec.owner` and `rec.lease_ms` as its lease), then calls
  /// `done` exactly once: inline, or from the store's committer thread. `done` must not block.
  virtual void write(saga_record rec, done_fn done) = 0;

  /// Writes `rec` at once when this store can without waiting (an in-process store) and
  /// returns the outcome; nullopt when it cannot (the caller then uses `write`). Saves the
  /// record copy and the completion callback of `write` on the saga actor's hot path.
  virtual std::optional<caf::error> write_now(const saga_record&) { return std::nullopt; }

  /// The record of `id`, or none.
  virtual caf::expected<std::optional<saga_record>> load(const std::string& id) = 0;

  /// Every record, or those in `state`.
  virtual caf::expected<std::vector<saga_record>> list(std::optional<saga_state> state = std::nullopt) = 0;

  /// Non-terminal records whose lease ended before `now_ms`, or that `owner` holds (a restarted
  /// process with a stable owner name resumes its own sagas at once).
  virtual caf::expected<std::vector<saga_record>> recoverable(const std::string& owner,
                                                              std::int64_t now_ms) = 0;

  /// Takes the lease of `id` for `owner` until `until_ms` when it is free (expired, or held by
  /// `owner`), atomically; returns the record as taken, or none when someone else holds it or
  /// it is terminal.
  virtual caf::expected<std::optional<saga_record>> acquire(const std::string& id, const std::string& owner,
                                                            std::int64_t now_ms, std::int64_t until_ms) = 0;

  /// Extends the leases `owner` holds on `ids` to `until_ms` (records held by others are left).
  virtual caf::error renew(const std::string& owner, const std::vector<std::string>& ids,
                           std::int64_t until_ms) = 0;

  virtual store_stats stats() const = 0;

  /// Short name for logs and errors: "memory", "embedded:/path".
  virtual std::string describe() const = 0;
};

/// An in-process store (tests, benchmarks, and sagas that need not survive the process).
std::shared_ptr<saga_store> make_memory_store();

/// Options of the embedded (LMDB) store.
struct embedded_store_options {
  /// The LMDB file (created with its directory's permissions; the directory must exist).
  std::string path;
  std::size_t map_size = std::size_t{1} << 30;
  /// Flush every commit to disk (off: survives a process crash, not a power loss).
  bool fsync = true;
  /// Writes that arrive while a commit runs are committed together (group commit): at most
  /// this many per transaction.
  std::size_t max_batch = 1024;
};

/// The default durable store: one LMDB file, group commit on one committer thread. Several
/// processes may share the file. Errors name the file and the fix.
caf::expected<std::shared_ptr<saga_store>> make_embedded_store(embedded_store_options opts);

} // namespace armada::ago
