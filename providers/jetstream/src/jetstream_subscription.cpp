#include "jetstream_subscription.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "armada/herald/errc.hpp"
#include "jetstream_catalog.hpp"

namespace armada::herald::jetstream {

namespace {

struct meta_deleter {
  void operator()(jsMsgMetaData* m) const { jsMsgMetaData_Destroy(m); }
};

/// The status code of a status message (404 No Messages, 408 Request Timeout, 409 …), or 0 for a
/// delivered message. JetStream sends statuses as header-only messages without a reply subject.
int status_of(natsMsg* msg) {
  if (natsMsg_GetReply(msg) != nullptr && natsMsg_GetReply(msg)[0] != '\0')
    return 0;
  const char* code = nullptr;
  if (natsMsgHeader_Get(msg, "Status", &code) != NATS_OK || code == nullptr)
    return 0;
  return std::atoi(code);
}

std::string description_of(natsMsg* msg) {
  const char* d = nullptr;
  return natsMsgHeader_Get(msg, "Description", &d) == NATS_OK && d != nullptr ? std::string{d} : std::string{};
}

} // namespace

caf::expected<std::unique_ptr<jetstream_subscription>>
jetstream_subscription::make(std::shared_ptr<nats::client> c, const std::string& stream, const std::string& durable,
                             std::string topic, std::int64_t max_ack_pending) {
  natsInbox* inbox = nullptr;
  if (auto s = natsInbox_Create(&inbox); s != NATS_OK)
    return nats::status_error(provider_name, "cannot make an inbox for '" + topic + "'", s);
  std::string name{inbox};
  natsInbox_Destroy(inbox);
  natsSubscription* sub = nullptr;
  if (auto s = natsConnection_SubscribeSync(&sub, c->connection(), (name + ".*").c_str()); s != NATS_OK)
    return nats::status_error(provider_name, "cannot subscribe to the inbox of '" + topic + "' on " + c->address(), s);
  // Everything the server sends to this inbox is ours to settle: never drop it as a slow consumer.
  natsSubscription_SetPendingLimits(sub, -1, -1);
  return std::unique_ptr<jetstream_subscription>{
    new jetstream_subscription(std::move(c), stream, durable, std::move(name), sub, std::move(topic), max_ack_pending)};
}

jetstream_subscription::jetstream_subscription(std::shared_ptr<nats::client> c, std::string stream,
                                               std::string durable, std::string inbox, natsSubscription* sub,
                                               std::string topic, std::int64_t max_ack_pending)
  : client_(std::move(c))
  , stream_(std::move(stream))
  , durable_(std::move(durable))
  , next_subject_("$JS.API.CONSUMER.MSG.NEXT." + stream_ + "." + durable_)
  , inbox_(std::move(inbox))
  , sub_(sub)
  , topic_(std::move(topic))
  , max_ack_pending_(max_ack_pending) {}

jetstream_subscription::~jetstream_subscription() {
  close();
  natsSubscription_Destroy(sub_);
}

caf::error jetstream_subscription::closed_error() const {
  return make_error(errc::closed, std::string{provider_name} + " provider: the subscription to '" + topic_
                                    + "' is closed");
}

caf::expected<std::vector<message>> jetstream_subscription::fetch(std::size_t max, std::chrono::milliseconds wait) {
  using namespace std::chrono;
  if (closed_ || client_->closed())
    return closed_error();
  max = std::max<std::size_t>(max, 1);
  std::vector<message> out;
  auto fetch_failed = [&](const std::string& why, natsStatus s) -> caf::expected<std::vector<message>> {
    if (!out.empty())
      return std::move(out); // deliver what arrived; the next fetch reports the failure
    if (closed_ || client_->closed())
      return closed_error();
    return nats::status_error(provider_name, why + " '" + topic_ + "' on " + client_->address(), s);
  };
  // Answers to an earlier request that came after it was given up on: delivered to this
  // subscription by the server, so they are handled like the others.
  int pending = 0;
  natsSubscription_GetPending(sub_, &pending, nullptr);
  for (int i = 0; i < pending && out.size() < max; ++i) {
    natsMsg* raw = nullptr;
    if (natsSubscription_NextMsg(&raw, sub_, 1) != NATS_OK)
      break;
    nats::msg_ptr msg{raw};
    if (status_of(msg.get()) == 0)
      keep(std::move(msg), out);
  }
  if (out.size() == max)
    return out;
  // The consumer hands out at most MaxAckPending unacked messages. A request for more than this
  // subscription can still get would wait out its expiry while the acks that make room wait
  // behind this fetch in the subscription actor's mailbox (it stalled every batch of a
  // prefetch above the server's default of 1000).
  auto room = max - out.size();
  if (max_ack_pending_ > 0) {
    std::size_t held = 0;
    {
      std::lock_guard guard{mtx_};
      held = held_.size();
    }
    auto limit = static_cast<std::size_t>(max_ack_pending_);
    room = std::min(room, held < limit ? limit - held : 0);
    if (room == 0) {
      if (out.empty()) // nothing can come before an ack: a short pause, then the acks' turn
        std::this_thread::sleep_for(std::min(wait, milliseconds{2}));
      return out;
    }
  }
  // First what the server has now: a no_wait request is answered at once, with the waiting
  // messages (up to `room`) and, when they were fewer, a status that ends them: where the batch
  // ends is the server's word. Only when nothing was waiting (and nothing was in hand), a
  // second request waits up to `wait` for new messages; once one came, a pause of 2 ms ends it
  // (a trickle must not be held until the request expires; what comes later is taken by the
  // next fetch).
  bool answered = false;
  for (bool no_wait : {true, false}) {
    if (!no_wait && !out.empty())
      break;
    auto target = out.size() + room;
    auto expires = no_wait ? milliseconds{0} : std::max(wait, milliseconds{1});
    auto reply = inbox_ + "." + std::to_string(++requests_);
    auto body = "{\"batch\":" + std::to_string(room)
                + (no_wait ? std::string{",\"no_wait\":true}"}
                           : ",\"expires\":" + std::to_string(duration_cast<nanoseconds>(expires).count()) + "}");
    if (auto s = natsConnection_PublishRequestString(client_->connection(), next_subject_.c_str(), reply.c_str(),
                                                     body.c_str());
        s != NATS_OK)
      return fetch_failed("cannot request messages from", s);
    // The server ends a request it could not fill with a status (404 at once for no_wait, 408
    // when it expires): wait a little longer than that. A missing consumer does not answer.
    auto deadline = steady_clock::now() + std::max(expires, wait) + milliseconds{100};
    bool ended = false;
    while (!ended && out.size() < target) {
      auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      if (left <= 0)
        break;
      if (!no_wait && !out.empty())
        left = std::min<std::int64_t>(left, 2);
      natsMsg* raw = nullptr;
      auto s = natsSubscription_NextMsg(&raw, sub_, left);
      if (s == NATS_TIMEOUT)
        break;
      if (s != NATS_OK)
        return fetch_failed("cannot fetch from", s);
      nats::msg_ptr msg{raw};
      auto code = status_of(msg.get());
      if (code == 0) {
        keep(std::move(msg), out);
        continue;
      }
      if (reply != natsMsg_GetSubject(msg.get()))
        continue; // the end of an earlier request
      answered = ended = true;
      if (code == 404 || code == 408)
        break; // nothing (more) now, or the request expired
      if (!out.empty())
        break;
      return make_error(errc::transport, std::string{provider_name} + " provider: pulling from '" + topic_ + "' on "
                                           + client_->address() + " failed: " + std::to_string(code) + " "
                                           + description_of(msg.get())
                                           + "; is the consumer still there? subscribe again to recreate it");
    }
    if (!ended && out.empty())
      break; // no answer at all: the consumer may be gone (checked below)
  }
  if (out.empty() && !answered && !closed_)
    if (auto err = check_consumer())
      return err;
  return out;
}

caf::error jetstream_subscription::check_consumer() {
  natsMsg* raw = nullptr;
  auto info = "$JS.API.CONSUMER.INFO." + stream_ + "." + durable_;
  if (auto s = natsConnection_RequestString(&raw, client_->connection(), info.c_str(), "", client_->timeout().count());
      s != NATS_OK)
    return nats::status_error(provider_name, "JetStream did not answer for consumer '" + durable_ + "' of stream '"
                                               + stream_ + "' ('" + topic_ + "') on " + client_->address(), s);
  nats::msg_ptr answer{raw};
  std::string_view body{natsMsg_GetData(raw), static_cast<std::size_t>(natsMsg_GetDataLength(raw))};
  if (body.find("\"error\"") == std::string_view::npos)
    return caf::none;
  return make_error(errc::transport, std::string{provider_name} + " provider: the consumer '" + durable_ + "' of stream '"
                                       + stream_ + "' ('" + topic_ + "') on " + client_->address() + " is gone ("
                                       + std::string{body} + "); subscribe again to recreate it");
}

void jetstream_subscription::keep(nats::msg_ptr msg, std::vector<message>& out) {
  std::lock_guard guard{mtx_};
  {
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
  if (auto s = reply(msg.get(), "+ACK"); s != NATS_OK)
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
  auto s = reply(msg.get(), delay.count() > 0 ? "-NAK {\"delay\":" + std::to_string(delay.count() * 1000000) + "}" : "-NAK");
  if (s != NATS_OK)
    return nats::status_error(provider_name, "cannot nack " + m.broker + " (it is redelivered after ack-wait)", s);
  return caf::none;
}

natsStatus jetstream_subscription::reply(natsMsg* msg, const std::string& body) {
  return natsConnection_Publish(client_->connection(), natsMsg_GetReply(msg), body.data(), static_cast<int>(body.size()));
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
  // What this subscription held, or received and never read, goes back to the consumer at once
  // (not after ack-wait). The order matters: read what is unread (a closed subscription gives
  // nothing back), then unsubscribe — the server drops a waiting pull request whose inbox has no
  // interest — and only then nak, so the server hands the messages to another subscriber
  // instead of to a request of ours that is still open. What arrives between the read and the
  // unsubscribe is redelivered after ack-wait.
  std::vector<nats::msg_ptr> unread;
  int pending = 0;
  natsSubscription_GetPending(sub_, &pending, nullptr);
  for (int i = 0; i < pending; ++i) {
    natsMsg* raw = nullptr;
    if (natsSubscription_NextMsg(&raw, sub_, 1) != NATS_OK)
      break;
    nats::msg_ptr msg{raw};
    if (status_of(msg.get()) == 0)
      unread.push_back(std::move(msg));
  }
  natsSubscription_Unsubscribe(sub_); // the durable consumer stays
  for (auto& [pos, msg] : held)
    reply(msg.get(), "-NAK");
  for (auto& msg : unread)
    reply(msg.get(), "-NAK");
  natsConnection_FlushTimeout(client_->connection(), client_->timeout().count());
}

} // namespace armada::herald::jetstream
