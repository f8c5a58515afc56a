#include "lmdb_env.hpp"

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "armada/herald/errc.hpp"
#include "records.hpp"

namespace armada::herald::embedded {

namespace {

namespace fs = std::filesystem;

// LMDB: "Do not have open an LMDB database twice in the same process at the same time"
// (closing the second handle drops the first one's file locks). Every connection of this
// process to one file therefore shares one environment. An environment is closed under the
// registry lock, and `open` waits for a closing one, so two never overlap.
struct registry {
  std::mutex mtx;
  std::condition_variable closed;
  std::map<std::string, std::weak_ptr<lmdb_env>> envs;
};

registry& envs() {
  static auto* r = new registry; // never destroyed: connections may outlive static destruction
  return *r;
}

const std::set<std::string_view>& database_names() {
  static const std::set<std::string_view> names{"herald.meta", "herald.topics", "herald.groups",
                                                "herald.log", "herald.leases"};
  return names;
}

std::string_view policy_name(fsync_policy p) {
  switch (p) {
    case fsync_policy::always:
      return "always";
    case fsync_policy::batch:
      return "batch";
    case fsync_policy::never:
      return "never";
  }
  return "?";
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           lmdb_env::clock_type::now().time_since_epoch())
    .count();
}

MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

caf::error open_error(int rc, const std::string& path) {
  auto prefix = "embedded provider: cannot open '" + path + "': ";
  switch (rc) {
    case MDB_INVALID:
      return make_error(errc::config, prefix + "it is not an LMDB file; point the URL at a new file "
                                                "or at one the embedded provider made");
    case MDB_VERSION_MISMATCH:
      return make_error(errc::config, prefix + "it was made by an incompatible LMDB version");
    case ENOENT:
      return make_error(errc::config, prefix + "its directory does not exist; create it first");
    case EACCES:
    case EROFS:
    case EPERM:
      return make_error(errc::config, prefix + mdb_strerror(rc)
                                        + "; the process needs read and write access to the file "
                                          "and to '" + path + "-lock' next to it");
    default:
      return make_error(errc::transport, prefix + mdb_strerror(rc));
  }
}

} // namespace

caf::expected<std::shared_ptr<lmdb_env>> lmdb_env::open(const env_options& opts) {
  if (opts.path.empty())
    return make_error(errc::config, "embedded provider: the URL names no file; write "
                                    "embedded:///absolute/path/herald.mdb or embedded://relative/path.mdb");
  fs::path file{opts.path};
  auto dir = file.parent_path().empty() ? fs::path{"."} : file.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(errc::config, "embedded provider: directory '" + dir.string() + "' of '" + opts.path
                                      + "' does not exist; create it first or choose another path");
  if (fs::is_directory(file, ec))
    return make_error(errc::config, "embedded provider: '" + opts.path + "' is a directory; name a file "
                                      "in it, e.g. embedded://" + (file / "herald.mdb").string());
  auto canonical = fs::weakly_canonical(fs::absolute(file, ec), ec).string();
  if (canonical.empty())
    canonical = opts.path;

  auto& reg = envs();
  std::unique_lock lock{reg.mtx};
  for (;;) {
    auto i = reg.envs.find(canonical);
    if (i == reg.envs.end())
      break;
    if (auto existing = i->second.lock()) {
      if (existing->fsync_ != opts.fsync)
        return make_error(errc::config, "embedded provider: '" + canonical + "' is already open in this "
                                          "process with fsync=" + std::string{policy_name(existing->fsync_)}
                                          + "; give every connection to one file the same fsync");
      if (opts.map_size > existing->map_size_) {
        std::unique_lock resize{existing->resize_mtx_};
        if (int rc = mdb_env_set_mapsize(existing->env_, opts.map_size); rc != MDB_SUCCESS)
          return existing->error(rc, "growing the map to map-size=" + std::to_string(opts.map_size));
        existing->map_size_ = opts.map_size;
      }
      return existing;
    }
    reg.closed.wait(lock); // the last user is closing it right now
  }

  // Opened under the registry lock, so no other connection sees it half-initialised.
  std::unique_ptr<lmdb_env> fresh{new lmdb_env};
  auto* raw = fresh.get();
  raw->path_ = canonical;
  raw->map_size_ = opts.map_size;
  raw->fsync_ = opts.fsync;
  raw->last_sync_ = now_ms();
  raw->last_reader_check_ = now_ms();
  if (int rc = mdb_env_create(&raw->env_); rc != MDB_SUCCESS) {
    raw->env_ = nullptr;
    return open_error(rc, canonical);
  }
  mdb_env_set_maxdbs(raw->env_, 8);
  mdb_env_set_maxreaders(raw->env_, 256);
  if (int rc = mdb_env_set_mapsize(raw->env_, opts.map_size); rc != MDB_SUCCESS)
    return open_error(rc, canonical);
  unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
  if (opts.fsync != fsync_policy::always)
    flags |= MDB_NOSYNC;
  if (int rc = mdb_env_open(raw->env_, canonical.c_str(), flags, 0644); rc != MDB_SUCCESS)
    return open_error(rc, canonical); // ~lmdb_env closes the handle, as LMDB asks
  raw->opened_ = true;
  int dead = 0;
  mdb_reader_check(raw->env_, &dead); // reader slots of killed processes
  if (auto err = raw->initialise())
    return err;
  std::shared_ptr<lmdb_env> env{fresh.release(), [](lmdb_env* e) {
                                  auto& reg = envs();
                                  std::lock_guard guard{reg.mtx};
                                  if (auto i = reg.envs.find(e->path_); i != reg.envs.end() && i->second.expired())
                                    reg.envs.erase(i);
                                  delete e; // closes the file before anyone may open it again
                                  reg.closed.notify_all();
                                }};
  reg.envs[canonical] = env;
  return env;
}

caf::error lmdb_env::initialise() {
  auto txn = transaction::begin(*this, true);
  if (!txn)
    return txn.error();
  MDB_dbi main = 0;
  if (int rc = mdb_dbi_open(txn->handle(), nullptr, 0, &main); rc != MDB_SUCCESS)
    return error(rc, "opening the main database");
  {
    // Named databases are keys of the main database: anything else belongs to someone else.
    cursor c{*txn, main};
    for (bool more = c.seek({}, {}); more; more = c.next())
      if (!database_names().contains(c.key()))
        return make_error(errc::config, "embedded provider: '" + path_ + "' is an LMDB file of another "
                                          "application (it holds '" + std::string{c.key().substr(0, 40)}
                                          + "'); point the URL at a new file");
  }
  struct named {
    const char* name;
    MDB_dbi* dbi;
  };
  for (auto [name, dbi] : {named{"herald.meta", &meta}, named{"herald.topics", &topics},
                           named{"herald.groups", &groups}, named{"herald.log", &log},
                           named{"herald.leases", &leases}})
    if (int rc = mdb_dbi_open(txn->handle(), name, MDB_CREATE, dbi); rc != MDB_SUCCESS)
      return error(rc, std::string{"opening database "} + name);
  std::string_view format;
  if (txn->get(meta, "format", format) == MDB_SUCCESS) {
    if (format != format_name)
      return make_error(errc::config, "embedded provider: '" + path_ + "' has format '" + std::string{format}
                                        + "', this build reads '" + std::string{format_name}
                                        + "'; use a new file or a matching armada version");
  } else if (int rc = txn->put(meta, "format", format_name); rc != MDB_SUCCESS) {
    return error(rc, "writing the file format");
  }
  return txn->commit();
}

lmdb_env::~lmdb_env() {
  if (env_ == nullptr)
    return;
  if (opened_ && fsync_ != fsync_policy::always)
    mdb_env_sync(env_, 1); // a graceful close leaves nothing unflushed
  mdb_env_close(env_);
}

caf::error lmdb_env::error(int rc, std::string_view what) const {
  if (rc == MDB_MAP_FULL)
    return make_error(errc::transport, "embedded provider: '" + path_ + "' is full while " + std::string{what}
                                         + " (map-size = " + std::to_string(map_size_)
                                         + " bytes); raise the map-size property, e.g. ?map-size="
                                         + std::to_string(map_size_ * 2)
                                         + ", or lower retention so acked messages are trimmed sooner");
  return make_error(errc::transport, "embedded provider: " + std::string{what} + " in '" + path_
                                       + "' failed: " + mdb_strerror(rc));
}

caf::error lmdb_env::after_commit(bool publish) {
  auto now = now_ms();
  if (auto last = last_reader_check_.load(); now - last >= reader_check_interval.count()
                                             && last_reader_check_.compare_exchange_strong(last, now)) {
    // A process killed inside a read transaction pins old pages until its slot is freed.
    int dead = 0;
    mdb_reader_check(env_, &dead);
  }
  if (fsync_ != fsync_policy::batch)
    return caf::none;
  if (!publish && now - last_sync_.load() < batch_sync_interval.count())
    return caf::none;
  last_sync_ = now;
  if (int rc = mdb_env_sync(env_, 1); rc != MDB_SUCCESS)
    return error(rc, "flushing to disk");
  return caf::none;
}

void lmdb_env::notify() {
  {
    std::lock_guard guard{wake_mtx_};
    ++generation_;
  }
  wake_.notify_all();
}

void lmdb_env::wait(std::uint64_t seen, clock_type::time_point until, const std::atomic<bool>& stop) {
  std::unique_lock lock{wake_mtx_};
  wake_.wait_until(lock, until, [&] { return generation_.load() != seen || stop.load(); });
}

void lmdb_env::adopt_map_size() {
  std::unique_lock lock{resize_mtx_};
  mdb_env_set_mapsize(env_, 0);
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == MDB_SUCCESS)
    map_size_ = info.me_mapsize;
}

// --- transaction ---

caf::expected<transaction> transaction::begin(lmdb_env& env, bool write) {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock lock{env.resize_mutex()};
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env.handle(), nullptr, write ? 0 : MDB_RDONLY, &txn);
    if (rc == MDB_SUCCESS)
      return transaction{env, std::move(lock), txn, write};
    if (rc == MDB_MAP_RESIZED && attempt < 3) { // another process grew the file
      lock.unlock();
      env.adopt_map_size();
      continue;
    }
    return env.error(rc, write ? "starting a write transaction" : "starting a read transaction");
  }
}

transaction::transaction(transaction&& other) noexcept
  : env_(other.env_), lock_(std::move(other.lock_)), txn_(other.txn_), write_(other.write_) {
  other.txn_ = nullptr;
}

transaction::~transaction() {
  if (txn_ != nullptr)
    mdb_txn_abort(txn_);
}

caf::error transaction::commit(bool publish) {
  auto* txn = txn_;
  txn_ = nullptr;
  int rc = mdb_txn_commit(txn);
  if (lock_.owns_lock())
    lock_.unlock();
  if (rc != MDB_SUCCESS)
    return env_->error(rc, "committing");
  return write_ ? env_->after_commit(publish) : caf::none;
}

int transaction::get(MDB_dbi dbi, std::string_view key, std::string_view& out) const {
  auto k = val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_SUCCESS)
    out = view(v);
  return rc;
}

int transaction::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  auto k = val(key);
  auto v = val(value);
  return mdb_put(txn_, dbi, &k, &v, flags);
}

int transaction::del(MDB_dbi dbi, std::string_view key) {
  auto k = val(key);
  return mdb_del(txn_, dbi, &k, nullptr);
}

// --- cursor ---

cursor::cursor(const transaction& txn, MDB_dbi dbi) {
  rc_ = mdb_cursor_open(txn.handle(), dbi, &cur_);
  if (rc_ != MDB_SUCCESS)
    cur_ = nullptr;
}

cursor::~cursor() {
  if (cur_ != nullptr)
    mdb_cursor_close(cur_);
}

bool cursor::seek(std::string_view from, std::string_view prefix) {
  if (cur_ == nullptr)
    return false;
  prefix_ = std::string{prefix};
  MDB_val k{0, nullptr};
  MDB_val v{0, nullptr};
  int rc = MDB_SUCCESS;
  if (from.empty()) {
    rc = mdb_cursor_get(cur_, &k, &v, MDB_FIRST);
  } else {
    k = val(from);
    rc = mdb_cursor_get(cur_, &k, &v, MDB_SET_RANGE);
  }
  if (rc == MDB_SUCCESS) {
    key_ = view(k);
    value_ = view(v);
  }
  return settle(rc);
}

bool cursor::next() {
  if (cur_ == nullptr)
    return false;
  MDB_val k{0, nullptr};
  MDB_val v{0, nullptr};
  int rc = mdb_cursor_get(cur_, &k, &v, MDB_NEXT);
  if (rc == MDB_SUCCESS) {
    key_ = view(k);
    value_ = view(v);
  }
  return settle(rc);
}

bool cursor::settle(int rc) {
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc != MDB_SUCCESS) {
    rc_ = rc;
    return false;
  }
  return key_.substr(0, prefix_.size()) == prefix_;
}

} // namespace armada::herald::embedded
