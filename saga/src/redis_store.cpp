#include "armada/ago/redis_store.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <hiredis/hiredis.h>

#include "armada/herald/redis_client.hpp"
#include "armada/runtime/error.hpp"
#include "lease.hpp"

namespace armada::ago {

namespace {

using herald::redis::command_args;
using herald::redis::redis_client;
using herald::redis::reply_ptr;

// KEYS: lease, record, active set, all set. ARGV: writer, now ms, lease value, record json,
// terminal (1/0), id. Returns "" when written, else the name of the owner holding the lease.
constexpr const char* write_script = R"lua(
local l = redis.call('GET', KEYS[1])
if l then
  local sp = string.find(l, ' ', 1, true)
  local ms = tonumber(string.sub(l, 1, sp - 1))
  local owner = string.sub(l, sp + 1)
  if owner ~= ARGV[1] and owner ~= '' and ms > tonumber(ARGV[2]) then return owner end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[4], ARGV[6])
if ARGV[5] == '1' then redis.call('SREM', KEYS[3], ARGV[6]) else redis.call('SADD', KEYS[3], ARGV[6]) end
return ''
)lua";

// KEYS: lease, record. ARGV: owner, now ms, new lease value. Returns the record when taken.
constexpr const char* acquire_script = R"lua(
local rec = redis.call('GET', KEYS[2])
if not rec then return false end
local l = redis.call('GET', KEYS[1])
if l then
  local sp = string.find(l, ' ', 1, true)
  local ms = tonumber(string.sub(l, 1, sp - 1))
  local owner = string.sub(l, sp + 1)
  if owner ~= ARGV[1] and owner ~= '' and ms > tonumber(ARGV[2]) then return false end
end
local st = cjson.decode(rec).state
if st == 'completed' or st == 'failed' or st == 'stuck' then return false end
redis.call('SET', KEYS[1], ARGV[3])
return rec
)lua";

// KEYS: lease keys. ARGV: owner, new lease value. Extends the leases `owner` holds.
constexpr const char* renew_script = R"lua(
for i, k in ipairs(KEYS) do
  local l = redis.call('GET', k)
  if l then
    local sp = string.find(l, ' ', 1, true)
    if string.sub(l, sp + 1) == ARGV[1] then redis.call('SET', k, ARGV[2]) end
  end
end
return 0
)lua";

std::string lease_value(std::int64_t ms, const std::string& owner) {
  return std::to_string(ms) + " " + owner;
}

void overlay_lease(saga_record& r, const redisReply* lease) {
  if (lease == nullptr || lease->type != REDIS_REPLY_STRING)
    return;
  std::string_view v{lease->str, lease->len};
  auto sp = v.find(' ');
  r.lease_ms = std::stoll(std::string{v.substr(0, sp)});
  r.owner = sp == std::string_view::npos ? std::string{} : std::string{v.substr(sp + 1)};
}

class redis_saga_store final : public saga_store {
public:
  redis_saga_store(herald::redis::endpoint ep, std::string prefix, std::string shown)
    : prefix_(std::move(prefix)), shown_(std::move(shown)), reads_(ep), writes_(ep) {}

  caf::error start() {
    if (auto err = reads_.connect())
      return err;
    if (auto err = writes_.connect())
      return err;
    committer_ = std::thread{[this] { run(); }};
    return {};
  }

  ~redis_saga_store() override {
    {
      std::lock_guard guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    if (committer_.joinable())
      committer_.join();
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
    done(make_error(errc::closed, "the saga store " + describe() + " is closed"));
  }

  caf::expected<std::optional<saga_record>> load(const std::string& id) override {
    std::lock_guard guard{read_mtx_};
    auto replies = reads_.pipeline({{"GET", key("saga:", id)}, {"GET", key("lease:", id)}});
    if (!replies)
      return failed(replies.error(), "reading saga '" + id + "'");
    return decode((*replies)[0].get(), (*replies)[1].get());
  }

  caf::expected<std::vector<saga_record>> list(std::optional<saga_state> state) override {
    auto all = members("all");
    if (!all)
      return std::move(all.error());
    auto records = load_many(*all);
    if (!records || !state)
      return records;
    std::vector<saga_record> out;
    for (auto& r : *records)
      if (r.state == *state)
        out.push_back(std::move(r));
    return out;
  }

  caf::expected<std::vector<saga_record>> recoverable(const std::string& owner, std::int64_t now_ms) override {
    auto active = members("active");
    if (!active)
      return std::move(active.error());
    auto records = load_many(*active);
    if (!records)
      return records;
    std::vector<saga_record> out;
    for (auto& r : *records)
      if (detail::recoverable(r, owner, now_ms))
        out.push_back(std::move(r));
    return out;
  }

  caf::expected<std::optional<saga_record>> acquire(const std::string& id, const std::string& owner,
                                                    std::int64_t now_ms, std::int64_t until_ms) override {
    std::lock_guard guard{read_mtx_};
    auto r = reads_.command({"EVAL", acquire_script, "2", key("lease:", id), key("saga:", id), owner,
                             std::to_string(now_ms), lease_value(until_ms, owner)});
    if (!r)
      return failed(r.error(), "taking the lease of saga '" + id + "'");
    if (auto err = reply_error(r->get(), "taking the lease of saga '" + id + "'"))
      return err;
    if ((*r)->type != REDIS_REPLY_STRING)
      return std::optional<saga_record>{};
    auto rec = record_from_json(std::string_view{(*r)->str, (*r)->len});
    if (!rec)
      return std::move(rec.error());
    rec->owner = owner;
    rec->lease_ms = until_ms;
    return std::optional<saga_record>{std::move(*rec)};
  }

  caf::error renew(const std::string& owner, const std::vector<std::string>& ids, std::int64_t until_ms) override {
    if (ids.empty())
      return {};
    command_args args{"EVAL", renew_script, std::to_string(ids.size())};
    for (const auto& id : ids)
      args.push_back(key("lease:", id));
    args.push_back(owner);
    args.push_back(lease_value(until_ms, owner));
    std::lock_guard guard{read_mtx_};
    auto r = reads_.command(args);
    if (!r)
      return failed(r.error(), "renewing leases");
    return reply_error(r->get(), "renewing leases");
  }

  store_stats stats() const override {
    std::lock_guard guard{stats_mtx_};
    return stats_;
  }

  std::string describe() const override { return "redis:" + shown_ + " prefix " + prefix_; }

private:
  struct pending {
    saga_record rec;
    done_fn done;
  };

  std::string key(const char* kind, const std::string& id) const { return prefix_ + kind + id; }

  caf::error failed(const caf::error& why, const std::string& what) const {
    return make_error(errc::store, "saga store " + describe() + ": " + what + " failed: " + armada::describe(why));
  }

  caf::error reply_error(const redisReply* r, const std::string& what) const {
    if (r != nullptr && r->type == REDIS_REPLY_ERROR)
      return make_error(errc::store, "saga store " + describe() + ": " + what + " failed: "
                                         + std::string{r->str, r->len});
    return {};
  }

  caf::expected<std::optional<saga_record>> decode(const redisReply* rec, const redisReply* lease) const {
    if (auto err = reply_error(rec, "reading a saga"))
      return err;
    if (rec == nullptr || rec->type != REDIS_REPLY_STRING)
      return std::optional<saga_record>{};
    auto r = record_from_json(std::string_view{rec->str, rec->len});
    if (!r)
      return std::move(r.error());
    overlay_lease(*r, lease);
    return std::optional<saga_record>{std::move(*r)};
  }

  caf::expected<std::vector<std::string>> members(const char* set) {
    std::lock_guard guard{read_mtx_};
    auto r = reads_.command({"SMEMBERS", prefix_ + set});
    if (!r)
      return failed(r.error(), std::string{"listing "} + set);
    if (auto err = reply_error(r->get(), std::string{"listing "} + set))
      return err;
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < (*r)->elements; ++i)
      ids.emplace_back((*r)->element[i]->str, (*r)->element[i]->len);
    return ids;
  }

  caf::expected<std::vector<saga_record>> load_many(const std::vector<std::string>& ids) {
    std::vector<saga_record> out;
    constexpr std::size_t chunk = 512;
    for (std::size_t from = 0; from < ids.size(); from += chunk) {
      std::vector<command_args> cmds;
      for (std::size_t i = from; i < std::min(ids.size(), from + chunk); ++i) {
        cmds.push_back({"GET", key("saga:", ids[i])});
        cmds.push_back({"GET", key("lease:", ids[i])});
      }
      std::lock_guard guard{read_mtx_};
      auto replies = reads_.pipeline(cmds);
      if (!replies)
        return failed(replies.error(), "reading sagas");
      for (std::size_t i = 0; i + 1 < replies->size(); i += 2) {
        auto r = decode((*replies)[i].get(), (*replies)[i + 1].get());
        if (!r)
          return std::move(r.error());
        if (*r)
          out.push_back(std::move(**r));
      }
    }
    return out;
  }

  void run() {
    std::vector<pending> batch;
    for (;;) {
      {
        std::unique_lock lock{mtx_};
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_)
          return;
        while (!queue_.empty() && batch.size() < 512) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      commit(batch);
      batch.clear();
    }
  }

  void commit(std::vector<pending>& batch) {
    std::vector<command_args> cmds;
    cmds.reserve(batch.size());
    for (auto& p : batch) {
      auto& r = p.rec;
      cmds.push_back({"EVAL", write_script, "4", key("lease:", r.id), key("saga:", r.id), prefix_ + "active",
                      prefix_ + "all", r.owner, std::to_string(r.updated_ms), lease_value(r.lease_ms, r.owner),
                      to_json(r), is_terminal(r.state) ? "1" : "0", r.id});
    }
    auto replies = writes_.pipeline(cmds);
    {
      std::lock_guard guard{stats_mtx_};
      ++stats_.commits;
    }
    std::size_t written = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      caf::error err;
      if (!replies) {
        err = failed(replies.error(), "writing saga '" + batch[i].rec.id + "'");
      } else {
        auto* r = (*replies)[i].get();
        if (auto e = reply_error(r, "writing saga '" + batch[i].rec.id + "'")) {
          err = std::move(e);
        } else if (r->type == REDIS_REPLY_STRING && r->len > 0) {
          saga_record held;
          held.id = batch[i].rec.id;
          held.owner = std::string{r->str, r->len};
          err = detail::lease_lost(held, batch[i].rec.owner);
        } else {
          ++written;
        }
      }
      batch[i].done(std::move(err));
    }
    std::lock_guard guard{stats_mtx_};
    stats_.writes += written;
  }

  std::string prefix_;
  std::string shown_;
  std::mutex read_mtx_;
  redis_client reads_;
  redis_client writes_; // the committer's own
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<pending> queue_;
  bool stop_ = false;
  std::thread committer_;
  mutable std::mutex stats_mtx_;
  store_stats stats_;
};

} // namespace

caf::expected<std::shared_ptr<saga_store>> make_redis_store(std::string_view text) {
  herald::url parsed;
  auto ep = herald::redis::parse_endpoint(text, parsed, "ago redis store");
  if (!ep)
    return std::move(ep.error());
  using k = herald::property_spec::kind;
  static const std::vector<herald::property_spec> specs{
    {"prefix", k::string, "ago:", "key prefix of the saga records"},
    {"connect-timeout", k::milliseconds, "5000", "TCP connect timeout"},
    {"command-timeout", k::milliseconds, "10000", "reply timeout of one command"},
  };
  auto props = herald::properties::resolve("ago redis store", parsed, specs);
  if (!props)
    return std::move(props.error());
  ep->connect_timeout = props->millis("connect-timeout");
  ep->command_timeout = props->millis("command-timeout");
  auto store = std::make_shared<redis_saga_store>(*ep, props->get("prefix"), ep->shown());
  if (auto err = store->start())
    return make_error(errc::store, "ago redis store: " + describe(err));
  return std::shared_ptr<saga_store>{store};
}

} // namespace armada::ago
