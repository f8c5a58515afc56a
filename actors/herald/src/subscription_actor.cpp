#include "subscription_actor.hpp"

#include <unordered_map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace armada::herald {

namespace {

struct subscription_actor_state {
  std::shared_ptr<subscription_driver> sub;
  subscribe_options opts;
  delivery_sink sink;
  subscription_state st;
  std::unordered_map<std::string, message> in_flight; // by message id
  bool polling = false;
  std::chrono::milliseconds error_backoff{0};
  std::chrono::steady_clock::time_point last_report{};
  static inline const char* name = "herald.subscription";
};

using subscription_pointer = subscription_actor::stateful_pointer<subscription_actor_state>;

void schedule_poll(subscription_pointer self) {
  auto& s = self->state;
  if (s.polling || s.st.closed || s.in_flight.size() >= s.opts.prefetch)
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
  s.in_flight.clear();
  s.st.in_flight = 0;
}

/// Settles in-flight message `id` with `how` (ack, nack or reject), counts it in `counter`, and
/// makes room for the next poll. An unknown id (settled already) is ignored.
template <class How>
void settle(subscription_pointer self, const std::string& id, std::uint64_t& counter, How how) {
  auto& s = self->state;
  auto i = s.in_flight.find(id);
  if (i == s.in_flight.end())
    return;
  how(i->second);
  s.in_flight.erase(i);
  ++counter;
  s.st.in_flight = static_cast<std::int64_t>(s.in_flight.size());
  schedule_poll(self);
}

void poll(subscription_pointer self) {
  auto& s = self->state;
  s.polling = false;
  if (s.st.closed)
    return;
  auto room = s.opts.prefetch - std::min(s.opts.prefetch, s.in_flight.size());
  if (room == 0)
    return; // an ack schedules the next poll
  auto batch = s.sub->fetch(room, s.opts.poll_wait);
  if (!batch) {
    ++s.st.fetch_errors;
    // Tell the sink why (rate-limited): the first failure of a streak, then every 5 s.
    auto now = std::chrono::steady_clock::now();
    if (s.error_backoff.count() == 0 || now - s.last_report >= std::chrono::seconds{5}) {
      s.last_report = now;
      self->send(s.sink, fetch_failed_atom::value, batch.error());
    }
    s.error_backoff = std::min(std::chrono::milliseconds{5000},
                               std::max(std::chrono::milliseconds{50}, s.error_backoff * 2));
  } else {
    s.error_backoff = std::chrono::milliseconds{0};
    if (!batch->empty()) {
      auto me = caf::actor_cast<subscription_actor>(self);
      for (auto& m : *batch) {
        ++s.st.received;
        s.in_flight.emplace(m.id, m);
      }
      s.st.in_flight = static_cast<std::int64_t>(s.in_flight.size());
      self->send(s.sink, deliver_atom::value, std::move(*batch), me);
    }
  }
  schedule_poll(self);
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
  // The sink going away ends the subscription (its unacked messages are redelivered).
  self->monitor(s.sink);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  schedule_poll(self);
  return {
    [=](ack_atom, std::string& id) {
      settle(self, id, self->state.st.acked, [&](const message& m) { self->state.sub->ack(m); });
    },
    [=](ack_atom, std::vector<std::string>& ids) {
      auto& s = self->state;
      std::vector<message> done;
      done.reserve(ids.size());
      for (auto& id : ids) {
        auto i = s.in_flight.find(id);
        if (i == s.in_flight.end())
          continue;
        done.push_back(std::move(i->second));
        s.in_flight.erase(i);
      }
      if (!done.empty())
        s.sub->ack_batch(done);
      s.st.acked += done.size();
      s.st.in_flight = static_cast<std::int64_t>(s.in_flight.size());
      schedule_poll(self);
    },
    [=](nack_atom, std::string& id, caf::timespan delay) {
      settle(self, id, self->state.st.nacked, [&](const message& m) {
        self->state.sub->nack(m, std::chrono::duration_cast<std::chrono::milliseconds>(delay));
      });
    },
    [=](reject_atom, std::string& id) {
      settle(self, id, self->state.st.rejected, [&](const message& m) { self->state.sub->reject(m); });
    },
    [=](poll_atom) { poll(self); },
    [=](close_atom) {
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
