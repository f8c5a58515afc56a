#include "subscription_actor.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace armada::herald {

namespace {

struct subscription_actor_state {
  std::shared_ptr<subscription_driver> sub;
  subscribe_options opts;
  delivery_sink sink;
  /// Where batches go: the sink, or for a driver that `decodes_later` a decoding stage in front
  /// of it (the decoding overlaps the next fetch).
  delivery_sink out;
  subscription_state st;
  std::size_t in_flight = 0; // delivered, not settled yet (the sink holds them)
  /// Acks received and not yet passed to the driver: every ack waiting in the mailbox goes to
  /// the broker in one call, made before the next fetch (the poll message queued behind them).
  std::vector<message> acks;
  bool polling = false;
  std::chrono::milliseconds error_backoff{0};
  std::chrono::steady_clock::time_point last_report{};
  static inline const char* name = "herald.subscription";
};

using subscription_pointer = subscription_actor::stateful_pointer<subscription_actor_state>;

void schedule_poll(subscription_pointer self) {
  auto& s = self->state;
  if (s.polling || s.st.closed || (s.in_flight >= s.opts.prefetch && s.acks.empty()))
    return;
  s.polling = true;
  if (s.error_backoff.count() > 0)
    self->delayed_send(self, s.error_backoff, poll_atom::value);
  else
    self->send(self, poll_atom::value);
}

void shut(subscription_pointer self) {
  auto& s = self->state;
  if (s.st.closed)
    return;
  s.st.closed = true;
  s.sub->close(); // unacked messages become available again
  s.in_flight = 0;
  s.st.in_flight = 0;
}

/// Settles `n` delivered messages with `how` (the driver's ack, nack or reject), counts them in
/// `counter`, and makes room for the next poll. After close the driver is gone: nothing to do.
template <class How>
void settle(subscription_pointer self, std::size_t n, std::uint64_t& counter, How how) {
  auto& s = self->state;
  if (s.st.closed || n == 0)
    return;
  how();
  s.in_flight -= std::min(n, s.in_flight);
  counter += n;
  s.st.in_flight = static_cast<std::int64_t>(s.in_flight);
  schedule_poll(self);
}

/// Passes the collected acks to the driver in one call.
void flush_acks(subscription_pointer self) {
  auto& s = self->state;
  if (s.acks.empty())
    return;
  auto done = std::move(s.acks);
  s.acks = {};
  settle(self, done.size(), s.st.acked, [&] {
    if (done.size() == 1)
      s.sub->ack(done.front());
    else
      s.sub->ack_batch(done);
  });
}

void poll(subscription_pointer self) {
  auto& s = self->state;
  if (s.st.closed) {
    s.polling = false;
    return;
  }
  // The acks first: a broker capping unacked messages counts them until then. (`polling` is
  // still set, so settling them schedules no second poll: this is it.)
  flush_acks(self);
  s.polling = false;
  auto room = s.opts.prefetch - std::min(s.opts.prefetch, s.in_flight);
  if (room == 0)
    return; // an ack schedules the next poll
  auto batch = s.sub->fetch(room, s.opts.poll_wait);
  if (!batch) {
    ++s.st.fetch_errors;
    // Tell the sink why (rate-limited): the first failure of a streak, then every 5 s.
    auto now = std::chrono::steady_clock::now();
    if (s.error_backoff.count() == 0 || now - s.last_report >= std::chrono::seconds{5}) {
      s.last_report = now;
      self->send(s.out, fetch_failed_atom::value, batch.error());
    }
    s.error_backoff = std::min(std::chrono::milliseconds{5000},
                               std::max(std::chrono::milliseconds{50}, s.error_backoff * 2));
  } else {
    s.error_backoff = std::chrono::milliseconds{0};
    if (!batch->empty()) {
      auto me = caf::actor_cast<subscription_actor>(self);
      s.st.received += batch->size();
      s.in_flight += batch->size();
      s.st.in_flight = static_cast<std::int64_t>(s.in_flight);
      self->send(s.out, deliver_atom::value, std::move(*batch), me);
    }
  }
  schedule_poll(self);
}

/// The decoding stage of a driver that `decodes_later`, in front of the sink: decodes each
/// batch, in the order they come, and passes it on (failure reports too, in order). Ends with the
/// subscription actor.
delivery_sink::behavior_type decoder_behavior(delivery_sink::pointer self, std::shared_ptr<const subscription_driver> sub,
                                              delivery_sink sink, caf::actor_addr subscription) {
  self->monitor(subscription);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  return {
    [self, sub, sink](deliver_atom, std::vector<message>& batch, subscription_actor& from) {
      sub->decode_batch(batch);
      self->send(sink, deliver_atom::value, std::move(batch), std::move(from));
    },
    [self, sink](fetch_failed_atom, caf::error& err) { self->send(sink, fetch_failed_atom::value, std::move(err)); },
  };
}

subscription_actor::behavior_type subscription_behavior(subscription_pointer self,
                                                        std::shared_ptr<subscription_driver> sub,
                                                        std::string topic, subscribe_options opts,
                                                        delivery_sink sink) {
  auto& s = self->state;
  s.sub = std::move(sub);
  s.opts = opts;
  if (s.opts.prefetch == 0)
    s.opts.prefetch = 1;
  s.sink = std::move(sink);
  s.st.topic = std::move(topic);
  s.st.group = opts.group;
  // Runs after the state is gone: hold the driver itself (close is idempotent).
  self->attach_functor([sub = s.sub] { sub->close(); });
  // (Its arguments go through spawn: CAF 0.17 binds a null tuple for a spawn without any, which
  // UBSan reports.)
  s.out = s.sub->decodes_later()
            ? self->system().spawn(decoder_behavior, std::shared_ptr<const subscription_driver>{s.sub}, s.sink,
                                   self->address())
            : s.sink;
  // The sink going away ends the subscription (its unacked messages are redelivered).
  self->monitor(s.sink);
  self->set_down_handler([self](caf::down_msg&) {
    flush_acks(self);
    self->quit();
  });
  schedule_poll(self);
  return {
    [=](ack_atom, std::vector<message>& done) {
      auto& s = self->state;
      if (s.st.closed || done.empty())
        return;
      if (s.acks.empty())
        s.acks = std::move(done);
      else
        s.acks.insert(s.acks.end(), std::make_move_iterator(done.begin()), std::make_move_iterator(done.end()));
      if (s.error_backoff.count() > 0 && s.polling)
        flush_acks(self); // the next poll is a backoff away: do not hold them that long
      else
        schedule_poll(self); // the poll passes them on, after the acks queued behind this one
    },
    [=](nack_atom, message& m, caf::timespan delay) {
      settle(self, 1, self->state.st.nacked, [&] {
        self->state.sub->nack(m, std::chrono::duration_cast<std::chrono::milliseconds>(delay));
      });
    },
    [=](reject_atom, message& m) {
      settle(self, 1, self->state.st.rejected, [&] { self->state.sub->reject(m); });
    },
    [=](done_atom, std::size_t n) {
      std::uint64_t dropped = 0; // a copy of one still being handled: that one settles it
      settle(self, n, dropped, [] {});
    },
    [=](poll_atom) { poll(self); },
    [=](close_atom) {
      flush_acks(self);
      shut(self);
      self->quit();
      return true;
    },
    [=](get_state_atom) { return self->state.st; },
  };
}

} // namespace

subscription_actor spawn_subscription(caf::actor_system& sys, std::unique_ptr<subscription_driver> sub,
                                      std::string topic, subscribe_options opts, delivery_sink sink) {
  return sys.spawn<caf::detached>(subscription_behavior,
                                  std::shared_ptr<subscription_driver>{std::move(sub)},
                                  std::move(topic), opts, std::move(sink));
}

} // namespace armada::herald
