#include "armada/herald/nats.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <mutex>

#include "armada/herald/errc.hpp"
#include "armada/herald/nats/client.hpp"
#include "armada/runtime/clock.hpp"

namespace armada::herald::nats {

namespace {

/// client::subject_of for the messages of a batch, checked again only when the topic changes
/// (a batch mostly holds one topic; checking makes a string and scans it).
class subject_cache {
public:
  explicit subject_cache(const client& c) : client_(&c) {}

  /// The subject of `topic`, valid until the next call.
  caf::expected<const std::string*> operator()(const std::string& topic) {
    if (!known_ || topic != topic_) {
      known_ = false;
      auto s = client_->subject_of(topic);
      if (!s)
        return std::move(s.error());
      topic_ = topic;
      subject_ = std::move(*s);
      known_ = true;
    }
    return &subject_;
  }

private:
  const client* client_;
  std::string topic_;
  std::string subject_;
  bool known_ = false;
};

constexpr const char* provider_name = "nats";

using clock = std::chrono::steady_clock;

/// A queue (or plain) subscription. Core NATS neither stores nor redelivers: ack forgets a
/// message, nack(delay) hands it to this same subscription again after the delay.
class nats_subscription final : public subscription_driver {
public:
  nats_subscription(std::shared_ptr<client> c, natsSubscription* sub, std::string topic)
    : client_(std::move(c)), sub_(sub), topic_(std::move(topic)) {}

  ~nats_subscription() override {
    close();
    natsSubscription_Destroy(sub_);
  }

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    std::vector<message> out;
    if (closed_ || client_->closed())
      return closed_error();
    auto deadline = clock::now() + wait;
    take_due(out, max);
    // What the local buffer holds, taken without waiting (and without a clock read per message).
    auto take_buffered = [&]() -> caf::error {
      while (out.size() < max) {
        auto got = take_next(out, 0);
        if (!got)
          return std::move(got.error());
        if (!*got)
          break;
      }
      return caf::none;
    };
    if (auto err = take_buffered())
      return err;
    while (out.empty()) {
      // Nothing there: block for the first message (bounded by `wait` and by the next nacked
      // one due), then take what else is there.
      auto now = clock::now();
      if (now >= deadline)
        break;
      auto until = deadline;
      {
        std::lock_guard guard{mtx_};
        if (!nacked_.empty())
          until = std::min(until, nacked_.front().due);
      }
      // At least 1 ms: nats.c counts in milliseconds, and a shorter wait would spin.
      auto timeout = std::max<std::int64_t>(
        1, std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
      auto got = take_next(out, timeout);
      if (!got)
        return got.error();
      take_due(out, max);
      if (*got)
        if (auto err = take_buffered())
          return err;
    }
    return out;
  }

  caf::error ack(const message&) override { return caf::none; }

  caf::error ack_batch(const std::vector<message>&) override { return caf::none; }

  caf::error nack(const message& m, std::chrono::milliseconds delay) override {
    std::lock_guard guard{mtx_};
    auto copy = m;
    ++copy.attempt;
    auto due = clock::now() + delay;
    auto pos = std::upper_bound(nacked_.begin(), nacked_.end(), due,
                                [](clock::time_point t, const pending& p) { return t < p.due; });
    nacked_.insert(pos, pending{due, std::move(copy)});
    return caf::none;
  }

  void close() override {
    if (closed_.exchange(true))
      return;
    natsSubscription_Unsubscribe(sub_); // thread-safe; wakes a blocked NextMsg
    std::lock_guard guard{mtx_};
    nacked_.clear();
  }

private:
  struct pending {
    clock::time_point due;
    message m;
  };

  caf::error closed_error() const {
    return make_error(errc::closed, std::string{provider_name} + " provider: the subscription to '" + topic_
                                      + "' is closed");
  }

  /// Moves the next message of the local buffer, waiting up to `timeout` ms for it (0: only
  /// what is there), to `out`. False when none came, or when reading failed after some messages
  /// (`out` is handed over; the error shows again on the next fetch); the error with `out` empty.
  caf::expected<bool> take_next(std::vector<message>& out, std::int64_t timeout) {
    natsMsg* raw = nullptr;
    auto s = natsSubscription_NextMsg(&raw, sub_, timeout);
    if (s == NATS_TIMEOUT)
      return false;
    if (s != NATS_OK) {
      if (closed_ || client_->closed())
        return closed_error();
      if (!out.empty())
        return false;
      return status_error(provider_name, "cannot read from '" + topic_ + "'", s);
    }
    msg_ptr msg{raw};
    auto m = from_nats(msg.get(), topic_);
    // The broker position: subject#n, made with one allocation.
    const char* subject = natsMsg_GetSubject(msg.get());
    char number[24] = {'#'};
    auto end = std::to_chars(number + 1, number + sizeof number, ++received_).ptr;
    auto len = static_cast<std::size_t>(end - number);
    m.broker.reserve(std::strlen(subject) + len);
    m.broker.append(subject).append(number, len);
    m.published = armada::fast_wall_now(); // when it was read: core NATS carries no publish time
    if (m.id.empty())
      m.id = m.broker; // published without herald: a local id keeps ack / nack apart
    out.push_back(std::move(m));
    return true;
  }

  void take_due(std::vector<message>& out, std::size_t max) {
    std::lock_guard guard{mtx_};
    auto now = clock::now();
    while (out.size() < max && !nacked_.empty() && nacked_.front().due <= now) {
      out.push_back(std::move(nacked_.front().m));
      nacked_.pop_front();
    }
  }

  std::shared_ptr<client> client_;
  natsSubscription* sub_;
  std::string topic_;
  std::uint64_t received_ = 0;
  std::mutex mtx_;
  std::deque<pending> nacked_; // by due time
  std::atomic<bool> closed_{false};
};

class nats_driver final : public driver {
public:
  explicit nats_driver(std::shared_ptr<client> c) : client_(std::move(c)) {}

  std::string provider() const override { return provider_name; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;  // queue groups
    f.guaranteed_order = true; // per publishing connection, as NATS delivers
    f.nack_delay = true;       // local to the subscription
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    subject_cache subjects{*client_};
    if (auto err = send(m, subjects))
      return err;
    if (auto err = flush())
      return err;
    return publish_receipt{m.id, {}};
  }

  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override {
    std::vector<publish_receipt> out;
    out.reserve(ms.size());
    subject_cache subjects{*client_};
    for (auto& m : ms) {
      if (auto err = send(m, subjects))
        return err;
      out.push_back(publish_receipt{m.id, {}});
    }
    if (auto err = flush()) // one round trip confirms the whole batch
      return err;
    return out;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (client_->closed())
      return client_->closed_error();
    auto subject = client_->subject_of(topic);
    if (!subject)
      return subject.error();
    natsSubscription* sub = nullptr;
    auto s = opts.group.empty()
               ? natsConnection_SubscribeSync(&sub, client_->connection(), subject->c_str())
               : natsConnection_QueueSubscribeSync(&sub, client_->connection(), subject->c_str(),
                                                   opts.group.c_str());
    if (s != NATS_OK)
      return status_error(provider_name, "cannot subscribe to '" + *subject + "' on " + client_->address(), s);
    // The subscription exists on the server only after this round trip: publishes that follow
    // reach it.
    if (s = natsConnection_FlushTimeout(client_->connection(), client_->timeout().count()); s != NATS_OK) {
      natsSubscription_Destroy(sub);
      return status_error(provider_name, "subscribing to '" + *subject + "' was not confirmed by "
                                           + client_->address(), s);
    }
    return std::unique_ptr<subscription_driver>{std::make_unique<nats_subscription>(client_, sub, topic)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override { return client_->ping(); }

  void close() override { client_->close(); }

private:
  caf::error send(const message& m, subject_cache& subjects) {
    if (client_->closed())
      return client_->closed_error();
    auto subject = subjects(m.topic);
    if (!subject)
      return subject.error();
    auto msg = to_nats(provider_name, m, **subject);
    if (!msg)
      return msg.error();
    if (auto s = natsConnection_PublishMsg(client_->connection(), msg->get()); s != NATS_OK)
      return status_error(provider_name, "cannot publish to '" + **subject + "' on " + client_->address(), s);
    return caf::none;
  }

  caf::error flush() {
    if (auto s = natsConnection_FlushTimeout(client_->connection(), client_->timeout().count()); s != NATS_OK)
      return status_error(provider_name, "publish to " + client_->address() + " not confirmed by a flush", s);
    return caf::none;
  }

  std::shared_ptr<client> client_;
};

} // namespace

const std::vector<property_spec>& property_specs() {
  return client_property_specs();
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "nats")
    return make_error(errc::config, "nats provider: URL scheme must be 'nats', got '" + u->scheme
                                      + "' (nats://127.0.0.1:4222?property=value)");
  auto props = properties::resolve(provider_name, *u, property_specs());
  if (!props)
    return props.error();
  auto c = client::open(provider_name, *u, *props);
  if (!c)
    return c.error();
  return std::shared_ptr<driver>{std::make_shared<nats_driver>(std::move(*c))};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), url::parse(text)->text);
}

} // namespace armada::herald::nats
