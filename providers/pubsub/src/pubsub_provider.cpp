#include "armada/herald/pubsub.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "armada/herald/errc.hpp"
#include "armada/herald/redact.hpp"
#include "armada/herald/lease_keeper.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "pubsub_client.hpp"

namespace armada::herald::pubsub {

namespace {

using clock = std::chrono::steady_clock;
constexpr std::size_t publish_limit = 1000;
constexpr std::size_t ack_id_limit = 1000; // ack ids per :acknowledge or :modifyAckDeadline

/// One subscription: `:pull` with its own connection; the ack deadline of what it holds is
/// extended while handlers are slow, and what it holds is released on close.
class pubsub_subscription final : public subscription_driver {
public:
  pubsub_subscription(const settings& s, std::string sub, std::string topic)
    : api_(s), sub_(std::move(sub)), topic_(std::move(topic)),
      keeper_(std::chrono::seconds{s.ack_deadline_s}, [this](const std::vector<std::string>& due) { extend(due); }) {
    keeper_.start();
  }
  ~pubsub_subscription() override { close(); }

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    auto started = clock::now();
    std::unique_lock lock{mtx_};
    if (closed_)
      return make_error(errc::closed, "pubsub provider: the subscription '" + sub_ + "' is closed; subscribe again");
    auto r = api_.call("POST", "subscriptions/" + sub_ + ":pull",
                       {{"maxMessages", std::clamp<std::size_t>(max, 1, 1000)}, {"returnImmediately", true}});
    if (!r)
      return r.error();
    std::vector<message> out;
    if (r->contains("receivedMessages") && (*r)["receivedMessages"].is_array())
      for (auto& m : (*r)["receivedMessages"]) {
        out.push_back(decode(m, topic_));
        auto& got = out.back();
        // Without a dead-letter policy Pub/Sub does not count deliveries: this subscription does.
        auto& seen = attempts_[got.id];
        if (!m.contains("deliveryAttempt"))
          got.attempt = ++seen;
        keeper_.hold(got.broker);
      }
    // An empty pull right after one that brought messages is not idleness (Pub/Sub answers a
    // `returnImmediately` pull with nothing now and then while messages are pending): the
    // subscription pulls again at once, and only a second empty pull waits.
    bool was_busy = std::exchange(busy_, !out.empty());
    if (out.empty() && !was_busy) {
      auto rest = wait - std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
      if (rest.count() > 0)
        cv_.wait_for(lock, rest, [&] { return closed_.load(); });
    }
    return out;
  }

  caf::error ack(const message& m) override { return ack_batch(std::vector<message>{m}); }

  caf::error ack_batch(const std::vector<message>& ms) override {
    std::lock_guard lock{mtx_};
    nlohmann::json ids = nlohmann::json::array();
    for (auto& m : ms) {
      ids.push_back(m.broker);
      keeper_.release(m.broker);
      attempts_.erase(m.id);
    }
    if (auto r = api_.call("POST", "subscriptions/" + sub_ + ":acknowledge", {{"ackIds", ids}}); !r)
      return make_error(errc::ack, describe(r.error()));
    return caf::none;
  }

  caf::error nack(const message& m, std::chrono::milliseconds delay) override {
    std::lock_guard lock{mtx_};
    keeper_.release(m.broker);
    auto secs = std::clamp<std::int64_t>((delay.count() + 500) / 1000, 0, 600);
    if (auto r = release({m.broker}, secs); !r)
      return make_error(errc::nack, describe(r.error()));
    return caf::none;
  }

  void close() override {
    if (closed_.exchange(true))
      return;
    cv_.notify_all();
    auto held = keeper_.stop();
    std::lock_guard lock{mtx_};
    if (!held.empty())
      (void)release(held, 0); // visible again at once for the next subscriber
    api_.close();
  }

private:
  /// Sets the ack deadline of `ack_ids` to `secs` from now, in calls of at most 1000 ids.
  caf::expected<nlohmann::json> release(const std::vector<std::string>& ack_ids, std::int64_t secs) {
    caf::expected<nlohmann::json> r{nlohmann::json::object()};
    for (std::size_t first = 0; first < ack_ids.size() && r; first += ack_id_limit) {
      std::vector<std::string> chunk(ack_ids.begin() + static_cast<std::ptrdiff_t>(first),
                                     ack_ids.begin() + static_cast<std::ptrdiff_t>(std::min(ack_ids.size(), first + ack_id_limit)));
      r = api_.call("POST", "subscriptions/" + sub_ + ":modifyAckDeadline",
                    {{"ackIds", chunk}, {"ackDeadlineSeconds", secs}});
    }
    return r;
  }

  // On the keeper thread: another ack deadline for what handlers still hold. A failed call is
  // not repeated: the message keeps its deadline (and may come again, as after a crash).
  void extend(const std::vector<std::string>& due) {
    std::lock_guard lock{mtx_};
    if (!closed_)
      (void)release(due, api_.config().ack_deadline_s);
  }

  api api_;
  std::string sub_;
  std::string topic_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::atomic<bool> closed_{false};
  std::map<std::string, std::uint32_t> attempts_;
  bool busy_ = false; ///< the last pull brought messages
  lease_keeper keeper_; // the ack ids held; last, so it stops before the rest goes
};

class pubsub_driver final : public driver {
public:
  explicit pubsub_driver(settings s) : s_(std::move(s)), api_(std::make_unique<api>(s_)) {}

  std::string provider() const override { return "pubsub"; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true; // a subscription per topic and group
    f.persistent = true;
    f.nack_delay = true;
    f.retains_messages = true; // once the group's subscription exists
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    auto r = publish_batch(std::vector<message>{m});
    if (!r)
      return r.error();
    return std::move(r->front());
  }

  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override {
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    std::vector<publish_receipt> receipts(ms.size());
    std::size_t first = 0;
    while (first < ms.size()) {
      auto& topic = ms[first].topic;
      if (topic.empty())
        return make_error(errc::config, "pubsub provider: a message needs a topic (message " + ms[first].id + ")");
      auto id = resource_id(topic);
      if (!id)
        return id.error();
      nlohmann::json batch = nlohmann::json::array();
      auto last = first;
      for (; last < ms.size() && last - first < publish_limit && ms[last].topic == topic; ++last) {
        auto m = ms[last];
        if (m.id.empty())
          m.id = uuid::random().to_string();
        receipts[last].id = m.id;
        batch.push_back(encode(m));
      }
      if (auto err = api_->ensure_topic(*id))
        return err;
      auto r = api_->call("POST", "topics/" + *id + ":publish", {{"messages", batch}});
      if (!r)
        return r.error();
      if (r->contains("messageIds") && (*r)["messageIds"].is_array())
        for (std::size_t i = 0; i < (*r)["messageIds"].size() && first + i < last; ++i)
          receipts[first + i].broker = (*r)["messageIds"][i].is_string() ? (*r)["messageIds"][i].get<std::string>() : "";
      first = last;
    }
    return receipts;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    auto tid = resource_id(topic);
    auto sid = resource_id(topic + "--" + (opts.group.empty() ? std::string{"default"} : opts.group));
    if (!tid)
      return tid.error();
    if (!sid)
      return sid.error();
    {
      std::lock_guard lock{mtx_};
      if (!api_)
        return closed_error();
      if (auto err = api_->ensure_subscription(*sid, *tid))
        return err;
    }
    return std::unique_ptr<subscription_driver>{std::make_unique<pubsub_subscription>(s_, *sid, topic)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    auto start = clock::now();
    if (auto r = api_->call("GET", "topics?pageSize=1", {}); !r)
      return r.error();
    return std::max(std::chrono::nanoseconds{1}, clock::now() - start);
  }

  void close() override {
    std::unique_ptr<api> gone;
    std::lock_guard lock{mtx_};
    gone.swap(api_);
  }

private:
  caf::error closed_error() const {
    return make_error(errc::closed, "pubsub provider: the connection to " + s_.shown + " is closed; connect again");
  }

  settings s_;
  std::mutex mtx_;
  std::unique_ptr<api> api_;
};

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"project", k::string, "", "the Google Cloud project; empty: PUBSUB_PROJECT_ID"},
    {"ack-deadline", k::milliseconds, "30000", "ack deadline of new subscriptions (whole seconds, 10 s to 600 s)"},
    {"connect-timeout", k::milliseconds, "5000", "TCP connect timeout"},
    {"request-timeout", k::milliseconds, "10000", "timeout of one request"},
    {"max-attempts", k::integer, "4", "tries of one request on transport errors, 5xx and 429 (jittered backoff)"},
  };
  return specs;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "pubsub" || u->host.empty() || u->port == 0)
    return make_error(errc::config, "pubsub provider: the URL must be pubsub://host:port?project=NAME (got "
                                      + redact(text) + ")");
  auto props = properties::resolve("pubsub", *u, property_specs());
  if (!props)
    return props.error();
  settings s;
  s.host = u->host;
  s.port = u->port;
  s.shown = u->text;
  s.project = props->get("project");
  if (s.project.empty())
    if (const char* p = std::getenv("PUBSUB_PROJECT_ID"))
      s.project = p;
  if (s.project.empty())
    return make_error(errc::config, "pubsub provider: no project: set the property project or PUBSUB_PROJECT_ID");
  auto deadline = props->millis("ack-deadline");
  if (deadline < std::chrono::seconds{10} || deadline > std::chrono::seconds{600})
    return make_error(errc::config, "pubsub provider: property 'ack-deadline' must be 10000 to 600000 ms, got "
                                      + props->get("ack-deadline"));
  s.ack_deadline_s = std::chrono::duration_cast<std::chrono::seconds>(deadline).count();
  s.connect_timeout = props->millis("connect-timeout");
  s.request_timeout = props->millis("request-timeout");
  auto attempts = props->integer("max-attempts");
  if (attempts < 1 || attempts > 100)
    return make_error(errc::config, "pubsub provider: property 'max-attempts' must be 1 to 100");
  s.max_attempts = static_cast<int>(attempts);
  auto drv = std::make_shared<pubsub_driver>(std::move(s));
  if (auto p = drv->ping(); !p)
    return p.error();
  return std::shared_ptr<driver>{std::move(drv)};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  auto u = url::parse(text);
  return herald::connect(sys, std::move(*drv), u ? u->text : std::string{});
}

} // namespace armada::herald::pubsub
