// The embedded saga store: one LMDB file; writes are group-committed by one committer thread
// (every write that arrives while a commit runs goes into the next transaction, so concurrent
// sagas share fsyncs). Several processes may share the file; in one process, every store of
// one path is the same object (LMDB forbids opening a file twice in a process).

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <lmdb.h>

#include "armada/ago/store.hpp"
#include "lease.hpp"

namespace armada::ago {

namespace {

namespace fs = std::filesystem;

std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

MDB_val as_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

using detail::decode_lease;
using detail::encode_lease;
using detail::lease_free;
using detail::lease_info;

class embedded_saga_store final : public saga_store {
public:
  static caf::expected<std::shared_ptr<embedded_saga_store>> open(const embedded_store_options& opts,
                                                                  const std::string& path) {
    std::shared_ptr<embedded_saga_store> store{new embedded_saga_store(opts, path)};
    if (auto err = store->init())
      return err;
    store->committer_ = std::thread{[raw = store.get()] { raw->run(); }};
    return store;
  }

  ~embedded_saga_store() override {
    {
      std::lock_guard guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    if (committer_.joinable())
      committer_.join();
    if (env_ != nullptr)
      mdb_env_close(env_);
  }

  void write(saga_record rec, done_fn done) override {
    {
      std::lock_guard guard{mtx_};
      if (!stop_) {
        queue_.push_back({std::move(rec), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    done(make_error(errc::closed, "the saga store '" + path_ + "' is closed"));
  }

  caf::expected<std::optional<saga_record>> load(const std::string& id) override {
    txn t;
    if (auto err = begin(t, MDB_RDONLY))
      return err;
    MDB_val k = as_val(id), v;
    int rc = mdb_get(t.handle, records_, &k, &v);
    if (rc == MDB_NOTFOUND)
      return std::optional<saga_record>{};
    if (rc != MDB_SUCCESS)
      return fail(rc, "reading saga '" + id + "'");
    auto r = record_from_json(as_view(v));
    if (!r)
      return std::move(r.error());
    if (mdb_get(t.handle, leases_, &k, &v) == MDB_SUCCESS) {
      auto l = decode_lease(as_view(v));
      r->lease_ms = l.lease_ms;
      r->owner = std::move(l.owner);
    }
    return std::optional<saga_record>{std::move(*r)};
  }

  caf::expected<std::vector<saga_record>> list(std::optional<saga_state> state) override {
    std::vector<saga_record> out;
    auto err = scan(records_, [&](std::string_view, std::string_view value) -> caf::error {
      auto r = record_from_json(value);
      if (!r)
        return std::move(r.error());
      if (!state || r->state == *state)
        out.push_back(std::move(*r));
      return {};
    });
    if (err)
      return err;
    return out;
  }

  caf::expected<std::vector<saga_record>> recoverable(const std::string& owner, std::int64_t now_ms) override {
    std::vector<std::string> ids;
    auto err = scan(active_, [&](std::string_view key, std::string_view) -> caf::error {
      ids.emplace_back(key);
      return {};
    });
    if (err)
      return err;
    std::vector<saga_record> out;
    for (const auto& id : ids) {
      auto r = load(id);
      if (!r)
        return std::move(r.error());
      if (*r && detail::recoverable(**r, owner, now_ms))
        out.push_back(std::move(**r));
    }
    return out;
  }

  caf::expected<std::optional<saga_record>> acquire(const std::string& id, const std::string& owner,
                                                    std::int64_t now_ms, std::int64_t until_ms) override {
    std::optional<saga_record> taken;
    auto err = write_txn([&](MDB_txn* t) -> int {
      MDB_val k = as_val(id), v;
      if (int rc = mdb_get(t, leases_, &k, &v); rc == MDB_SUCCESS) {
        if (!lease_free(decode_lease(as_view(v)), owner, now_ms))
          return MDB_SUCCESS;
      } else if (rc != MDB_NOTFOUND) {
        return rc;
      }
      int rc = mdb_get(t, records_, &k, &v);
      if (rc != MDB_SUCCESS)
        return rc == MDB_NOTFOUND ? MDB_SUCCESS : rc;
      auto r = record_from_json(as_view(v));
      if (!r || is_terminal(r->state))
        return MDB_SUCCESS;
      auto lease = encode_lease(until_ms, owner);
      MDB_val lv = as_val(lease);
      if (int prc = mdb_put(t, leases_, &k, &lv, 0); prc != MDB_SUCCESS)
        return prc;
      r->owner = owner;
      r->lease_ms = until_ms;
      taken = std::move(*r);
      return MDB_SUCCESS;
    }, "taking the lease of saga '" + id + "'");
    if (err)
      return err;
    return taken;
  }

  caf::error renew(const std::string& owner, const std::vector<std::string>& ids, std::int64_t until_ms) override {
    if (ids.empty())
      return {};
    auto lease = encode_lease(until_ms, owner);
    return write_txn([&](MDB_txn* t) -> int {
      for (const auto& id : ids) {
        MDB_val k = as_val(id), v;
        int rc = mdb_get(t, leases_, &k, &v);
        if (rc == MDB_NOTFOUND)
          continue;
        if (rc != MDB_SUCCESS)
          return rc;
        if (decode_lease(as_view(v)).owner != owner)
          continue; // someone else's now
        MDB_val lv = as_val(lease);
        if (int prc = mdb_put(t, leases_, &k, &lv, 0); prc != MDB_SUCCESS)
          return prc;
      }
      return MDB_SUCCESS;
    }, "renewing leases");
  }

  store_stats stats() const override {
    std::lock_guard guard{stats_mtx_};
    return stats_;
  }

  std::string describe() const override { return "embedded:" + path_; }

private:
  struct pending {
    saga_record rec;
    done_fn done;
  };

  struct txn {
    MDB_txn* handle = nullptr;
    bool committed = false;
    ~txn() {
      if (handle != nullptr && !committed)
        mdb_txn_abort(handle);
    }
  };

  embedded_saga_store(const embedded_store_options& opts, std::string path) : opts_(opts), path_(std::move(path)) {}

  caf::error fail(int rc, const std::string& what) const {
    if (rc == MDB_MAP_FULL)
      return make_error(errc::store, "saga store '" + path_ + "' is full while " + what + " (map_size = "
                                         + std::to_string(opts_.map_size) + " bytes); raise map_size");
    return make_error(errc::store, "saga store '" + path_ + "': " + what + " failed: " + mdb_strerror(rc));
  }

  caf::error init() {
    if (int rc = mdb_env_create(&env_); rc != MDB_SUCCESS) {
      env_ = nullptr;
      return fail(rc, "creating the LMDB environment");
    }
    mdb_env_set_maxdbs(env_, 4);
    mdb_env_set_maxreaders(env_, 256);
    if (int rc = mdb_env_set_mapsize(env_, opts_.map_size); rc != MDB_SUCCESS)
      return fail(rc, "setting map_size");
    // Flushes are explicit (one per group commit) so they can be counted and shared.
    if (int rc = mdb_env_open(env_, path_.c_str(), MDB_NOSUBDIR | MDB_NOTLS | MDB_NOSYNC, 0644); rc != MDB_SUCCESS) {
      auto dir = fs::path{path_}.parent_path();
      if (rc == ENOENT)
        return make_error(errc::store, "saga store '" + path_ + "': the directory '" + dir.string()
                                           + "' does not exist; create it or choose another path");
      if (rc == EACCES)
        return make_error(errc::store, "saga store '" + path_ + "': permission denied; choose a writable path");
      if (rc == MDB_INVALID)
        return make_error(errc::store, "saga store '" + path_ + "' is not an LMDB file; point the store at a new file");
      return fail(rc, "opening the file");
    }
    int dead = 0;
    mdb_reader_check(env_, &dead); // slots of processes killed inside a read transaction
    return write_txn([&](MDB_txn* t) -> int {
      if (int rc = mdb_dbi_open(t, "ago.sagas", MDB_CREATE, &records_); rc != MDB_SUCCESS)
        return rc;
      if (int rc = mdb_dbi_open(t, "ago.leases", MDB_CREATE, &leases_); rc != MDB_SUCCESS)
        return rc;
      return mdb_dbi_open(t, "ago.active", MDB_CREATE, &active_);
    }, "opening its databases");
  }

  caf::error begin(txn& t, unsigned flags) const {
    if (int rc = mdb_txn_begin(env_, nullptr, flags, &t.handle); rc != MDB_SUCCESS) {
      t.handle = nullptr;
      return fail(rc, "starting a transaction");
    }
    return {};
  }

  /// Runs `body` in one write transaction, commits and flushes.
  template <class F> caf::error write_txn(F&& body, const std::string& what) {
    txn t;
    if (auto err = begin(t, 0))
      return err;
    if (int rc = body(t.handle); rc != MDB_SUCCESS)
      return fail(rc, what);
    return commit(t, what);
  }

  caf::error commit(txn& t, const std::string& what) {
    int rc = mdb_txn_commit(t.handle);
    t.committed = true;
    if (rc != MDB_SUCCESS)
      return fail(rc, what);
    bool synced = false;
    if (opts_.fsync) {
      if (int src = mdb_env_sync(env_, 1); src != MDB_SUCCESS)
        return fail(src, "flushing to disk");
      synced = true;
    }
    std::lock_guard guard{stats_mtx_};
    ++stats_.commits;
    if (synced)
      ++stats_.fsyncs;
    return {};
  }

  template <class F> caf::error scan(MDB_dbi dbi, F&& each) const {
    txn t;
    if (auto err = begin(t, MDB_RDONLY))
      return err;
    MDB_cursor* cur = nullptr;
    if (int rc = mdb_cursor_open(t.handle, dbi, &cur); rc != MDB_SUCCESS)
      return fail(rc, "opening a cursor");
    MDB_val k, v;
    caf::error err;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (; rc == MDB_SUCCESS && !err; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
      err = each(as_view(k), as_view(v));
    mdb_cursor_close(cur);
    if (err)
      return err;
    if (rc != MDB_NOTFOUND)
      return fail(rc, "scanning");
    return {};
  }

  /// The committer: takes everything queued (up to max_batch) into one transaction.
  void run() {
    std::vector<pending> batch;
    for (;;) {
      {
        std::unique_lock lock{mtx_};
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_)
          return;
        while (!queue_.empty() && batch.size() < opts_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      commit_batch(batch);
      batch.clear();
    }
  }

  void commit_batch(std::vector<pending>& batch) {
    std::vector<caf::error> results(batch.size());
    std::size_t written = 0;
    txn t;
    auto err = begin(t, 0);
    for (std::size_t i = 0; i < batch.size() && !err; ++i) {
      auto& rec = batch[i].rec;
      MDB_val k = as_val(rec.id), v;
      int rc = mdb_get(t.handle, leases_, &k, &v);
      if (rc == MDB_SUCCESS) {
        auto held = decode_lease(as_view(v));
        if (!lease_free(held, rec.owner, rec.updated_ms)) {
          saga_record existing;
          existing.id = rec.id;
          existing.owner = held.owner;
          results[i] = detail::lease_lost(existing, rec.owner);
          continue;
        }
      } else if (rc != MDB_NOTFOUND) {
        err = fail(rc, "reading the lease of saga '" + rec.id + "'");
        break;
      }
      auto lease = encode_lease(rec.lease_ms, rec.owner);
      MDB_val lv = as_val(lease);
      if (rc = mdb_put(t.handle, leases_, &k, &lv, 0); rc != MDB_SUCCESS) {
        err = fail(rc, "writing the lease of saga '" + rec.id + "'");
        break;
      }
      auto json = to_json(rec);
      MDB_val nv = as_val(json);
      if (rc = mdb_put(t.handle, records_, &k, &nv, 0); rc != MDB_SUCCESS) {
        err = fail(rc, "writing saga '" + rec.id + "'");
        break;
      }
      MDB_val empty{0, nullptr};
      if (is_terminal(rec.state))
        rc = mdb_del(t.handle, active_, &k, nullptr);
      else
        rc = mdb_put(t.handle, active_, &k, &empty, 0);
      if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        err = fail(rc, "indexing saga '" + rec.id + "'");
        break;
      }
      ++written;
    }
    if (!err)
      err = commit(t, "committing " + std::to_string(batch.size()) + " saga writes");
    if (!err) {
      std::lock_guard guard{stats_mtx_};
      stats_.writes += written;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i].done(err ? err : std::move(results[i]));
  }

  embedded_store_options opts_;
  std::string path_;
  MDB_env* env_ = nullptr;
  MDB_dbi records_ = 0;
  MDB_dbi active_ = 0;
  MDB_dbi leases_ = 0;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<pending> queue_;
  bool stop_ = false;
  std::thread committer_;
  mutable std::mutex stats_mtx_;
  store_stats stats_;
};

std::mutex registry_mtx;
std::map<std::string, std::weak_ptr<embedded_saga_store>> registry;

} // namespace

caf::expected<std::shared_ptr<saga_store>> make_embedded_store(embedded_store_options opts) {
  if (opts.path.empty())
    return make_error(errc::store, "the embedded saga store needs a file path, e.g. /var/lib/myservice/sagas.mdb");
  std::error_code ec;
  auto canonical = fs::weakly_canonical(fs::absolute(opts.path, ec), ec).string();
  if (canonical.empty())
    canonical = opts.path;
  if (fs::is_directory(canonical, ec))
    return make_error(errc::store, "the embedded saga store path '" + canonical + "' is a directory; name a file in it, e.g. "
                                       + (fs::path{canonical} / "sagas.mdb").string());
  std::lock_guard guard{registry_mtx};
  if (auto i = registry.find(canonical); i != registry.end())
    if (auto existing = i->second.lock())
      return std::shared_ptr<saga_store>{existing};
  auto store = embedded_saga_store::open(opts, canonical);
  if (!store)
    return std::move(store.error());
  registry[canonical] = *store;
  return std::shared_ptr<saga_store>{*store};
}

} // namespace armada::ago
