#include "armada/herald/redis.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include <hiredis/hiredis.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/redact.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/herald/redis_client.hpp"
#include "redis_subscription.hpp"
#include "stream_entry.hpp"

namespace armada::herald::redis {

namespace {

constexpr std::size_t pipeline_chunk = 1000;

struct provider_settings {
  endpoint ep;
  std::string prefix;
  std::int64_t maxlen = 0;
  subscription_settings subs;
};

class redis_driver final : public driver {
public:
  redis_driver(provider_settings s, std::unique_ptr<redis_client> client)
    : s_(std::move(s)), client_(std::move(client)) {}

  std::string provider() const override { return "redis"; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;
    f.guaranteed_order = true; // per stream, without nacks
    f.persistent = true;       // with the server's appendonly (see docs/providers/redis.md)
    f.exactly_once = false;    // at least once: a publish retried after a lost reply may duplicate
    f.new_subscriber_receives_old = s_.subs.from_oldest;
    f.restartable_server = true;
    f.nack_delay = true; // capped at claim-idle
    f.retains_messages = true;
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    auto r = publish_batch(std::vector<message>{m});
    if (!r)
      return r.error();
    return std::move(r->front());
  }

  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override {
    std::vector<publish_receipt> receipts;
    receipts.reserve(ms.size());
    std::lock_guard lock{mtx_};
    if (!client_)
      return closed_error();
    for (std::size_t first = 0; first < ms.size(); first += pipeline_chunk) {
      auto last = std::min(ms.size(), first + pipeline_chunk);
      std::vector<command_args> cmds;
      cmds.reserve(last - first);
      for (auto i = first; i < last; ++i) {
        if (ms[i].topic.empty())
          return make_error(errc::config, "redis provider: a message needs a topic (message " + ms[i].id + ")");
        auto id = ms[i].id.empty() ? uuid::random().to_string() : ms[i].id;
        receipts.push_back(publish_receipt{id, {}});
        if (ms[i].id.empty()) {
          auto copy = ms[i];
          copy.id = id;
          cmds.push_back(xadd_command(s_.prefix + copy.topic, copy, s_.maxlen));
        } else {
          cmds.push_back(xadd_command(s_.prefix + ms[i].topic, ms[i], s_.maxlen));
        }
      }
      if (cmds.size() == 1) { // a single command is retried once on a fresh connection
        auto r = client_->command(cmds.front());
        if (!r)
          return r.error();
        if (auto err = check_xadd(r->get(), ms[first], receipts[first]))
          return err;
        continue;
      }
      auto replies = client_->pipeline(cmds);
      if (!replies)
        return replies.error();
      for (auto i = first; i < last; ++i)
        if (auto err = check_xadd((*replies)[i - first].get(), ms[i], receipts[i]))
          return err;
    }
    return receipts;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (topic.empty())
      return make_error(errc::config, "redis provider: subscribe needs a topic");
    if (opts.group.empty())
      return make_error(errc::config, "redis provider: subscribe needs a consumer group name (subscribe_options::group)");
    {
      std::lock_guard lock{mtx_};
      if (!client_)
        return closed_error();
    }
    auto sub = std::make_unique<redis_subscription>(s_.ep, s_.prefix + topic, topic, opts.group, s_.subs);
    if (auto err = sub->start())
      return err;
    return std::unique_ptr<subscription_driver>{std::move(sub)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard lock{mtx_};
    if (!client_)
      return closed_error();
    auto start = std::chrono::steady_clock::now();
    auto r = client_->command({"PING"});
    if (!r)
      return r.error();
    if (auto err = error_text(r->get()); !err.empty())
      return make_error(errc::transport, "redis provider: PING to " + s_.ep.shown() + " failed: " + err);
    return std::max(std::chrono::nanoseconds{1}, std::chrono::steady_clock::now() - start);
  }

  void close() override {
    std::unique_ptr<redis_client> gone;
    std::lock_guard lock{mtx_};
    gone.swap(client_);
  }

private:
  caf::error closed_error() const {
    return make_error(errc::closed, "redis provider: the connection to " + s_.ep.shown() + " is closed; connect again");
  }

  caf::error check_xadd(const redisReply* r, const message& m, publish_receipt& receipt) const {
    if (auto err = error_text(r); !err.empty())
      return make_error(errc::transport, "redis provider: XADD to stream '" + s_.prefix + m.topic + "' at "
                                           + s_.ep.shown() + " failed: " + err);
    receipt.broker = text_of(r);
    return caf::none;
  }

  provider_settings s_;
  std::mutex mtx_; // publish runs on the connection actor's thread; close may come from any thread
  std::unique_ptr<redis_client> client_;
};

caf::error bad(const std::string& property, const std::string& why) {
  return make_error(errc::config, "redis provider: property '" + property + "' " + why);
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    int v = 0;
    if (in[i] == '%' && i + 2 < in.size()
        && std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16).ptr == in.data() + i + 3) {
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

/// user and password of `redis://user:password@host…` (url::parse keeps neither).
void read_userinfo(std::string_view text, endpoint& ep) {
  auto start = text.find("://");
  if (start == std::string_view::npos)
    return;
  auto rest = text.substr(start + 3);
  rest = rest.substr(0, std::min(rest.find('/'), rest.find('?')));
  auto at = rest.rfind('@');
  if (at == std::string_view::npos)
    return;
  auto info = rest.substr(0, at);
  auto colon = info.find(':');
  if (colon == std::string_view::npos) {
    ep.password = percent_decode(info); // redis://password@host, as redis-cli -u reads it
    return;
  }
  ep.user = percent_decode(info.substr(0, colon));
  ep.password = percent_decode(info.substr(colon + 1));
}

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"prefix", k::string, "herald:", "key prefix of the topic streams (stream of topic t: <prefix>t)"},
    {"maxlen", k::integer, "1000000",
     "approximate length each stream is trimmed to on XADD (MAXLEN ~); 0: no trimming"},
    {"claim-idle", k::milliseconds, "30000",
     "a delivered, unacked entry idle this long may be claimed by another consumer of its group "
     "(XAUTOCLAIM): a dead consumer's messages come back after it; nack delays are capped to it"},
    {"claim-interval", k::milliseconds, "500", "how often a subscriber looks for claimable pending entries"},
    {"new-group-start", k::string, "oldest",
     "where a new consumer group starts: oldest (the first entry kept, \"0\") or newest (\"$\")"},
    {"connect-timeout", k::milliseconds, "5000", "TCP connect timeout"},
    {"command-timeout", k::milliseconds, "10000", "reply timeout of one command (blocking reads add their wait)"},
  };
  return specs;
}

caf::expected<endpoint> parse_endpoint(std::string_view text, url& parsed, std::string_view who) {
  auto u = url::parse(text);
  if (!u)
    return u.error(); // it quotes the URL with the password hidden
  if (u->scheme != "redis")
    return make_error(errc::config, std::string{who} + ": URL scheme must be 'redis', got '" + u->scheme
                                      + "' (redis://[user:password@]host[:port][/db]; TLS is not supported)");
  if (u->host.empty())
    return make_error(errc::config, std::string{who} + ": the URL names no host; write redis://127.0.0.1:6379");
  endpoint ep;
  ep.host = u->host;
  ep.port = u->port != 0 ? u->port : 6379;
  read_userinfo(text, ep);
  if (!u->path.empty()) {
    std::int64_t db = -1;
    auto r = std::from_chars(u->path.data(), u->path.data() + u->path.size(), db);
    if (r.ec != std::errc{} || r.ptr != u->path.data() + u->path.size() || db < 0)
      return make_error(errc::config, std::string{who} + ": the URL path must be a database number, got '" + u->path
                                        + "' (redis://host:port/0)");
    ep.db = db;
  }
  parsed = std::move(*u);
  return ep;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  url parsed;
  auto ep = parse_endpoint(text, parsed, "redis provider");
  if (!ep)
    return ep.error();
  auto props = properties::resolve("redis", parsed, property_specs());
  if (!props)
    return props.error();
  provider_settings s;
  s.ep = std::move(*ep);
  s.prefix = props->get("prefix");
  s.maxlen = props->integer("maxlen");
  if (s.maxlen < 0)
    return bad("maxlen", "must be >= 0 (0: no trimming), got " + props->get("maxlen"));
  s.subs.claim_idle = props->millis("claim-idle");
  if (s.subs.claim_idle.count() <= 0)
    return bad("claim-idle", "must be > 0 ms (a delivered message needs time to be handled)");
  s.subs.claim_interval = std::max(props->millis("claim-interval"), std::chrono::milliseconds{1});
  auto& start = props->get("new-group-start");
  if (start != "oldest" && start != "newest")
    return bad("new-group-start", "must be oldest or newest, got '" + start + "'");
  s.subs.from_oldest = start == "oldest";
  s.ep.connect_timeout = props->millis("connect-timeout");
  s.ep.command_timeout = props->millis("command-timeout");
  if (s.ep.connect_timeout.count() <= 0 || s.ep.command_timeout.count() <= 0)
    return make_error(errc::config, "redis provider: properties 'connect-timeout' and 'command-timeout' must be > 0 ms");
  auto client = std::make_unique<redis_client>(s.ep);
  if (auto err = client->connect())
    return err;
  return std::shared_ptr<driver>{std::make_shared<redis_driver>(std::move(s), std::move(client))};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  auto u = url::parse(text);
  return herald::connect(sys, std::move(*drv), u ? u->text : std::string{});
}

} // namespace armada::herald::redis
