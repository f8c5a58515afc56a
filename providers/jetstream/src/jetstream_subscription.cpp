#include "jetstream_subscription.hpp"

#include <algorithm>

#include "armada/herald/errc.hpp"
#include "jetstream_catalog.hpp"

namespace armada::herald::jetstream {

namespace {

struct meta_deleter {
  void operator()(jsMsgMetaData* m) const { jsMsgMetaData_Destroy(m); }
};

} // namespace

jetstream_subscription::jetstream_subscription(std::shared_ptr<nats::client> c, natsSubscription* sub,
                                               std::string topic)
  : client_(std::move(c)), sub_(sub), topic_(std::move(topic)) {}

jetstream_subscription::~jetstream_subscription() {
  close();
  natsSubscription_Destroy(sub_);
}

caf::error jetstream_subscription::closed_error() const {
  return make_error(errc::closed, std::string{provider_name} + " provider: the subscription to '" + topic_
                                    + "' is closed");
}

caf::expected<std::vector<message>> jetstream_subscription::fetch(std::size_t max, std::chrono::milliseconds wait) {
  if (closed_ || client_->closed())
    return closed_error();
  // One message per natsSubscription_Fetch: nats.c 3.4's fetch loop runs until it holds as many
  // messages as the batch *minus those already pending in the subscription* (it lowers the
  // request's batch by them, then compares against the lowered value), so with more than half a
  // batch pending — late deliveries to an earlier pull request, many at once when a reconnect
  // flushes the pull requests buffered while disconnected — it writes past the array it
  // allocated for the batch. With a batch of 1 the loop stops at one message and cannot overrun.
  // The first call waits up to `wait`; the next ones take what is pending or arrives within 1 ms.
  std::vector<message> out;
  auto first_timeout = std::max<std::int64_t>(wait.count(), 1);
  while (out.size() < std::max<std::size_t>(max, 1)) {
    natsMsgList list{nullptr, 0};
    jsErrCode jerr{};
    auto s = natsSubscription_Fetch(&list, sub_, 1, out.empty() ? first_timeout : 1, &jerr);
    if (s == NATS_TIMEOUT || s == NATS_NOT_FOUND)
      break; // nothing (more) within the wait
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      if (!out.empty())
        break; // deliver what arrived; the next fetch reports the failure
      if (closed_ || client_->closed())
        return closed_error();
      return nats::status_error(provider_name, "cannot fetch from '" + topic_ + "' on " + client_->address(), s);
    }
    keep(list, out);
  }
  return out;
}

void jetstream_subscription::keep(natsMsgList& list, std::vector<message>& out) {
  std::lock_guard guard{mtx_};
  for (int i = 0; i < list.Count; ++i) {
    nats::msg_ptr msg{list.Msgs[i]};
    list.Msgs[i] = nullptr; // owned by `msg` now
    auto m = nats::from_nats(msg.get(), topic_);
    jsMsgMetaData* raw = nullptr;
    if (natsMsg_GetMetaData(&raw, msg.get()) == NATS_OK) {
      std::unique_ptr<jsMsgMetaData, meta_deleter> meta{raw};
      m.broker = std::string{meta->Stream} + ":" + std::to_string(meta->Sequence.Stream);
      // nats-server 2.9 sometimes redelivers a message nacked with a short delay with an
      // unchanged NumDelivered: a redelivery this subscription saw is never an earlier attempt.
      auto delivered = static_cast<std::uint32_t>(meta->NumDelivered);
      auto seen = nacked_.find(m.broker);
      m.attempt = seen == nacked_.end() ? delivered : std::max(delivered, seen->second + 1);
      if (seen != nacked_.end())
        nacked_.erase(seen);
      m.published = std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds{meta->Timestamp})};
    } else {
      m.broker = std::string{natsMsg_GetSubject(msg.get())} + ":?";
    }
    if (m.id.empty())
      m.id = m.broker; // published without herald: the stream position identifies it
    held_[m.broker] = std::move(msg); // a redelivery replaces the copy it supersedes
    out.push_back(std::move(m));
  }
  natsMsgList_Destroy(&list);
}

nats::msg_ptr jetstream_subscription::take(const message& m) {
  std::lock_guard guard{mtx_};
  auto i = held_.find(m.broker);
  if (i == held_.end())
    return nullptr;
  auto msg = std::move(i->second);
  held_.erase(i);
  return msg;
}

caf::error jetstream_subscription::ack(const message& m) {
  auto msg = take(m);
  if (!msg)
    return closed_ ? closed_error() : caf::none; // already settled
  if (auto s = natsMsg_Ack(msg.get(), nullptr); s != NATS_OK)
    return nats::status_error(provider_name, "cannot ack " + m.broker + " (it is redelivered after ack-wait)", s);
  return caf::none;
}

caf::error jetstream_subscription::ack_batch(const std::vector<message>& ms) {
  caf::error first;
  for (auto& m : ms)
    if (auto err = ack(m); err && !first)
      first = std::move(err);
  return first;
}

caf::error jetstream_subscription::nack(const message& m, std::chrono::milliseconds delay) {
  auto msg = take(m);
  if (!msg)
    return closed_ ? closed_error() : caf::none;
  {
    std::lock_guard guard{mtx_};
    nacked_[m.broker] = m.attempt;
  }
  auto s = delay.count() > 0 ? natsMsg_NakWithDelay(msg.get(), delay.count(), nullptr) : natsMsg_Nak(msg.get(), nullptr);
  if (s != NATS_OK)
    return nats::status_error(provider_name, "cannot nack " + m.broker + " (it is redelivered after ack-wait)", s);
  return caf::none;
}

void jetstream_subscription::close() {
  if (closed_.exchange(true))
    return;
  std::map<std::string, nats::msg_ptr> held;
  {
    std::lock_guard guard{mtx_};
    held.swap(held_);
    nacked_.clear();
  }
  // What this subscription held goes back to the consumer at once (not after ack-wait).
  for (auto& [pos, msg] : held)
    natsMsg_Nak(msg.get(), nullptr);
  if (!held.empty())
    natsConnection_FlushTimeout(client_->connection(), client_->timeout().count());
  natsSubscription_Unsubscribe(sub_); // bound to an existing durable: the consumer stays
}

} // namespace armada::herald::jetstream
