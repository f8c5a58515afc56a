#include "amqp_subscription.hpp"

#include <algorithm>
#include <charconv>

#include "amqp_record.hpp"
#include "armada/herald/errc.hpp"

namespace armada::herald::amqp {

amqp_subscription::amqp_subscription(endpoint ep, std::string topic, std::string group, std::size_t prefetch)
  : session_(std::move(ep)), topic_(std::move(topic)), group_(std::move(group)),
    prefetch_(std::clamp<std::size_t>(prefetch, 1, 65535)) {}

amqp_subscription::~amqp_subscription() {
  close();
}

caf::error amqp_subscription::closed_error() const {
  return make_error(errc::closed, "amqp provider: the subscription to '" + topic_ + "' (group '" + group_
                                    + "') is closed; subscribe again");
}

caf::error amqp_subscription::start() {
  std::lock_guard guard{mtx_};
  if (auto err = session_.connect())
    return err;
  session_.disconnect(); // ensure_consuming sets everything up on a fresh connection
  return ensure_consuming();
}

caf::error amqp_subscription::ensure_consuming() {
  bool fresh = false;
  if (auto err = session_.ensure(fresh))
    return err;
  if (!fresh)
    return caf::none;
  held_.clear(); // the broker requeued what the old connection held
  if (auto err = session_.ensure_topology(topic_, group_))
    return err;
  auto* conn = session_.state();
  amqp_basic_qos(conn, amqp_session::channel, 0, static_cast<std::uint16_t>(prefetch_), 0);
  if (auto err = session_.check("basic.qos"))
    return err;
  auto queue = session_.where().queue(topic_, group_);
  amqp_basic_consume(conn, amqp_session::channel, bytes_of(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  return session_.check("basic.consume on queue '" + queue + "'");
}

std::uint64_t amqp_subscription::tag_of(const message& m) const {
  // broker = "GENERATION:TAG"
  auto colon = m.broker.find(':');
  std::uint64_t gen = 0, tag = 0;
  if (colon == std::string::npos
      || std::from_chars(m.broker.data(), m.broker.data() + colon, gen).ec != std::errc{}
      || std::from_chars(m.broker.data() + colon + 1, m.broker.data() + m.broker.size(), tag).ec != std::errc{})
    return 0;
  return gen == session_.generation() && session_.connected() ? tag : 0;
}

caf::error amqp_subscription::release_due() {
  auto now = clock::now();
  while (!held_.empty() && held_.begin()->first <= now) {
    auto tag = held_.begin()->second;
    held_.erase(held_.begin());
    unsettled().erase(tag);
    if (auto st = amqp_basic_nack(session_.state(), amqp_session::channel, tag, 0, 1); st != AMQP_STATUS_OK)
      return session_.lost("basic.nack", st);
  }
  return caf::none;
}

caf::expected<std::vector<message>> amqp_subscription::fetch(std::size_t max, std::chrono::milliseconds wait) {
  std::lock_guard guard{mtx_};
  if (closed_)
    return closed_error();
  if (auto err = ensure_consuming())
    return err;
  if (auto err = release_due())
    return err;
  max = std::max<std::size_t>(max, 1);
  // Wait no longer than the next held message falls due.
  if (!held_.empty())
    wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(held_.begin()->first - clock::now()),
                      std::chrono::milliseconds{0}, wait);
  std::vector<message> out;
  auto* conn = session_.state();
  while (out.size() < max) {
    amqp_maybe_release_buffers(conn);
    auto tv = to_timeval(out.empty() ? wait : std::chrono::milliseconds{0});
    amqp_envelope_t env{};
    auto r = amqp_consume_message(conn, &env, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      auto m = from_envelope(env, topic_);
      m.broker = std::to_string(session_.generation()) + ":" + std::to_string(env.delivery_tag);
      if (m.id.empty())
        m.id = m.broker; // published without a message-id
      auto n = nacked_.find(m.id);
      m.attempt = n != nacked_.end() ? n->second + 1 : (env.redelivered ? 2 : 1);
      if (n != nacked_.end())
        nacked_.erase(n);
      unsettled().insert(env.delivery_tag);
      amqp_destroy_envelope(&env);
      out.push_back(std::move(m));
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
      break;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      // Not a delivery: the broker cancelled the consumer, or closes the channel / connection.
      amqp_frame_t frame{};
      if (auto st = amqp_simple_wait_frame(conn, &frame); st != AMQP_STATUS_OK)
        return out.empty() ? caf::expected<std::vector<message>>{session_.lost("consuming '" + topic_ + "'", st)}
                           : caf::expected<std::vector<message>>{std::move(out)};
      if (frame.frame_type == AMQP_FRAME_METHOD
          && (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD
              || frame.payload.method.id == AMQP_BASIC_CANCEL_METHOD)) {
        session_.disconnect(); // the next fetch reconnects and consumes again (the queue is declared again)
        if (out.empty())
          return make_error(errc::transport, "amqp provider: " + session_.where().shown() + " stopped the consumer of '"
                                               + topic_ + "' (group '" + group_ + "'; the queue was deleted or the "
                                               "server is shutting down); it reconnects on the next fetch");
        break;
      }
      continue; // heartbeats and the like
    }
    if (!out.empty()) {
      session_.disconnect(); // what was delivered on it is requeued by the broker: acks will be stale
      break;
    }
    return session_.lost("consuming '" + topic_ + "'", r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                                                           ? r.library_error
                                                           : AMQP_STATUS_UNEXPECTED_STATE);
  }
  return out;
}

caf::error amqp_subscription::settle(const message& m, const char* what,
                                     const std::function<int(std::uint64_t)>& send) {
  std::lock_guard guard{mtx_};
  if (closed_)
    return closed_error();
  auto tag = tag_of(m);
  if (tag == 0)
    return caf::none; // delivered on a lost connection: the broker requeued it (at least once)
  if (auto st = send(tag); st != AMQP_STATUS_OK)
    return session_.lost(what, st);
  return caf::none;
}

std::set<std::uint64_t>& amqp_subscription::unsettled() {
  if (unsettled_generation_ != session_.generation()) {
    unsettled_.clear(); // the old connection's deliveries were requeued by the broker
    unsettled_generation_ = session_.generation();
  }
  return unsettled_;
}

caf::error amqp_subscription::ack(const message& m) {
  return settle(m, "basic.ack", [&](std::uint64_t tag) {
    unsettled().erase(tag);
    return amqp_basic_ack(session_.state(), amqp_session::channel, tag, 0);
  });
}

caf::error amqp_subscription::ack_batch(const std::vector<message>& ms) {
  std::vector<std::uint64_t> tags;
  {
    std::lock_guard guard{mtx_};
    if (closed_)
      return closed_error();
    tags.reserve(ms.size());
    for (auto& m : ms)
      if (auto tag = tag_of(m); tag != 0)
        tags.push_back(tag); // 0: delivered on a lost connection, requeued by the broker
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    if (tags.empty())
      return caf::none;
    auto& open = unsettled();
    if (tags.size() > 1 && open.size() >= tags.size() && std::equal(tags.begin(), tags.end(), open.begin())) {
      // Exactly the oldest unsettled deliveries: `multiple` acks them and nothing else.
      open.erase(open.begin(), std::next(open.begin(), static_cast<std::ptrdiff_t>(tags.size())));
      if (auto st = amqp_basic_ack(session_.state(), amqp_session::channel, tags.back(), 1); st != AMQP_STATUS_OK)
        return session_.lost("basic.ack", st);
      return caf::none;
    }
  }
  return subscription_driver::ack_batch(ms); // out of order: one by one
}

caf::error amqp_subscription::nack(const message& m, std::chrono::milliseconds delay) {
  return settle(m, "basic.nack", [&](std::uint64_t tag) {
    nacked_[m.id] = m.attempt;
    if (delay.count() > 0) {
      held_.emplace(clock::now() + delay, tag); // unacked meanwhile: a crash still requeues it
      return static_cast<int>(AMQP_STATUS_OK);
    }
    unsettled().erase(tag);
    return amqp_basic_nack(session_.state(), amqp_session::channel, tag, 0, 1);
  });
}

caf::error amqp_subscription::reject(const message& m) {
  return settle(m, "basic.reject", [&](std::uint64_t tag) {
    nacked_.erase(m.id);
    unsettled().erase(tag);
    return amqp_basic_reject(session_.state(), amqp_session::channel, tag, 0);
  });
}

void amqp_subscription::close() {
  if (closed_.exchange(true))
    return;
  std::lock_guard guard{mtx_}; // waits for a fetch in progress (at most its wait)
  session_.disconnect();       // the broker requeues everything unacked, held nacks included
  held_.clear();
  nacked_.clear();
}

} // namespace armada::herald::amqp
