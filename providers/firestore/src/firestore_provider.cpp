#include "armada/herald/firestore.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>

#include "armada/herald/envelope_message.hpp"
#include "armada/herald/errc.hpp"
#include "armada/herald/redact.hpp"
#include "armada/herald/lease_keeper.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/serialization/base64.hpp"
#include "armada/serialization/envelope.hpp"
#include "firestore_client.hpp"

namespace armada::herald::firestore {

namespace {

using clock = std::chrono::steady_clock;

/// One subscription: reads the oldest documents and leases them one by one (compare-and-set);
/// the leases of what it holds are renewed while handlers are slow.
class firestore_subscription final : public subscription_driver {
public:
  firestore_subscription(const settings& s, std::string collection, std::string topic)
    : api_(s), collection_(std::move(collection)), topic_(std::move(topic)),
      keeper_(s.lease, [this](const std::vector<std::string>& due) { renew(due); }) {
    keeper_.start();
  }
  ~firestore_subscription() override { close(); }

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    auto started = clock::now();
    std::unique_lock lock{mtx_};
    if (closed_)
      return make_error(errc::closed, "firestore provider: the subscription to '" + topic_ + "' is closed; subscribe again");
    auto docs = api_.oldest(collection_, api_.config().scan);
    if (!docs)
      return docs.error();
    std::vector<message> out;
    auto now = now_ms();
    for (auto& d : *docs) {
      if (out.size() >= max)
        break;
      if (d.lease_until > now || held_.count(d.name) != 0)
        continue;
      auto taken = api_.set_lease(d.name, d.update_time, now + api_.config().lease.count(), d.attempts + 1);
      if (!taken)
        return taken.error();
      if (taken->empty())
        continue; // another subscription took it first
      message m;
      if (auto e = serialization::decode_envelope(d.envelope)) {
        take_envelope(std::move(*e), m);
      } else {
        m.id = d.name.substr(d.name.rfind('/') + 1);
        m.metadata["firestore-decode-error"] = "firestore provider: document " + d.name
                                               + " holds no armada envelope in field 'e'; publish through herald";
      }
      m.topic = topic_;
      m.broker = d.name;
      m.attempt = d.attempts + 1;
      held_[d.name] = *taken;
      keeper_.hold(d.name);
      out.push_back(std::move(m));
    }
    if (out.empty()) {
      auto rest = wait - std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
      if (rest.count() > 0)
        cv_.wait_for(lock, rest, [&] { return closed_.load(); });
    }
    return out;
  }

  caf::error ack(const message& m) override {
    std::lock_guard lock{mtx_};
    auto i = held_.find(m.broker);
    if (i == held_.end())
      return make_error(errc::ack, "firestore provider: message " + m.id + " is not held by this subscription");
    auto token = i->second;
    held_.erase(i);
    keeper_.release(m.broker);
    auto gone = api_.remove(m.broker, token);
    if (!gone)
      return make_error(errc::ack, describe(gone.error()));
    if (!*gone)
      return make_error(errc::ack, "firestore provider: the lease on " + m.broker
                                     + " ran out before the ack; another subscription may deliver it again");
    return caf::none;
  }

  caf::error nack(const message& m, std::chrono::milliseconds delay) override {
    std::lock_guard lock{mtx_};
    auto i = held_.find(m.broker);
    if (i == held_.end())
      return make_error(errc::nack, "firestore provider: message " + m.id + " is not held by this subscription");
    auto token = i->second;
    held_.erase(i);
    keeper_.release(m.broker);
    if (auto r = api_.set_lease(m.broker, token, now_ms() + delay.count()); !r)
      return make_error(errc::nack, describe(r.error()));
    return caf::none;
  }

  void close() override {
    if (closed_.exchange(true))
      return;
    cv_.notify_all();
    (void)keeper_.stop();
    std::lock_guard lock{mtx_};
    for (auto& [doc, token] : held_)
      (void)api_.set_lease(doc, token, 0); // free for the next subscriber at once
    held_.clear();
    api_.close();
  }

private:
  // On the keeper thread: moves the lease end of what handlers still hold another lease ahead
  // (compare-and-set on the token, which the renewal replaces). A document changed by someone
  // else meanwhile is no longer held; a failed call leaves the lease to run out.
  void renew(const std::vector<std::string>& due) {
    std::lock_guard lock{mtx_};
    for (auto& doc : due) {
      auto i = held_.find(doc);
      if (closed_ || i == held_.end())
        continue;
      auto token = api_.set_lease(doc, i->second, now_ms() + api_.config().lease.count());
      if (token && token->empty()) {
        held_.erase(i);
        keeper_.release(doc);
      } else if (token) {
        i->second = *token;
      }
    }
  }

  api api_;
  std::string collection_;
  std::string topic_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::atomic<bool> closed_{false};
  std::map<std::string, std::string> held_; // document → update time after our lease
  lease_keeper keeper_; // last, so it stops before the rest goes
};

class firestore_driver final : public driver {
public:
  explicit firestore_driver(settings s) : s_(std::move(s)), api_(std::make_unique<api>(s_)) {}

  std::string provider() const override { return "firestore"; }

  herald::features features() const override {
    herald::features f;
    f.persistent = true;
    f.new_subscriber_receives_old = true;
    f.nack_delay = true;
    f.retains_messages = true;
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    if (m.topic.empty())
      return make_error(errc::config, "firestore provider: a message needs a topic (message " + m.id + ")");
    serialization::envelope e;
    e.id = m.id.empty() ? uuid::random().to_string() : m.id;
    e.key = m.key;
    e.metadata = m.metadata;
    e.payload = m.payload;
    e.topic = m.topic;
    e.publish_time = m.published == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                            : m.published;
    // The sequence: microseconds since the epoch, strictly increasing within this connection.
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count();
    last_seq_ = std::max(last_seq_ + 1, us);
    nlohmann::json fields{{"seq", {{"integerValue", std::to_string(last_seq_)}}},
                          {"lease_until", {{"integerValue", "0"}}},
                          {"attempts", {{"integerValue", "0"}}},
                          {"id", {{"stringValue", uuid::random().to_string()}}},
                          {"e", {{"bytesValue", serialization::base64_encode(serialization::encode(e))}}}};
    auto doc = safe_id(e.id);
    bool plain = std::all_of(doc.begin(), doc.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
    if (!plain)
      doc = uuid::random().to_string();
    if (auto err = api_->create(safe_id(s_.prefix + m.topic), doc, fields))
      return err;
    return publish_receipt{e.id, doc};
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options&) override {
    if (topic.empty())
      return make_error(errc::config, "firestore provider: subscribe needs a topic");
    {
      std::lock_guard lock{mtx_};
      if (!api_)
        return closed_error();
    }
    return std::unique_ptr<subscription_driver>{
      std::make_unique<firestore_subscription>(s_, safe_id(s_.prefix + topic), topic)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    auto start = clock::now();
    if (auto r = api_->oldest("herald-ping", 1); !r)
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
    return make_error(errc::closed, "firestore provider: the connection to " + s_.shown + " is closed; connect again");
  }

  settings s_;
  std::mutex mtx_;
  std::unique_ptr<api> api_;
  std::int64_t last_seq_ = 0;
};

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"project", k::string, "", "the project; empty: FIRESTORE_PROJECT_ID, then GOOGLE_CLOUD_PROJECT"},
    {"collection-prefix", k::string, "herald-", "collection of topic t: <collection-prefix>t"},
    {"lease", k::milliseconds, "30000", "how long a delivered message is held before another subscription may take it"},
    {"scan", k::integer, "100", "documents read per fetch, oldest first"},
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
  if (u->scheme != "firestore" || u->host.empty() || u->port == 0)
    return make_error(errc::config, "firestore provider: the URL must be firestore://host:port?project=NAME (got "
                                      + redact(text) + ")");
  auto props = properties::resolve("firestore", *u, property_specs());
  if (!props)
    return props.error();
  settings s;
  s.host = u->host;
  s.port = u->port;
  s.shown = u->text;
  s.project = props->get("project");
  for (const char* var : {"FIRESTORE_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"})
    if (const char* p = std::getenv(var); s.project.empty() && p != nullptr)
      s.project = p;
  if (s.project.empty())
    return make_error(errc::config, "firestore provider: no project: set the property project or FIRESTORE_PROJECT_ID");
  s.prefix = props->get("collection-prefix");
  s.lease = props->millis("lease");
  s.scan = props->integer("scan");
  if (s.lease.count() <= 0 || s.scan < 1 || s.scan > 10000)
    return make_error(errc::config, "firestore provider: properties 'lease' (> 0 ms) and 'scan' (1 to 10000) are out of range");
  s.connect_timeout = props->millis("connect-timeout");
  s.request_timeout = props->millis("request-timeout");
  s.max_attempts = static_cast<int>(std::clamp<std::int64_t>(props->integer("max-attempts"), 1, 100));
  auto drv = std::make_shared<firestore_driver>(std::move(s));
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

} // namespace armada::herald::firestore
