#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "registry.hpp"

namespace armada::capitan::detail {

namespace {

/// Batches a topic actor handles per wake before yielding its scheduler thread.
constexpr int batches_per_wake = 4;

struct topic_actor_state {
  std::shared_ptr<registry> reg;
  signal_state* st = nullptr;
  std::vector<listener_ptr> listeners; // ordered by id = registration order
  std::vector<queue_item> batch;       // scratch: swapped with the signal's queue
  static inline const char* name = "capitan.topic";
};

using topic_pointer = topic_actor::stateful_pointer<topic_actor_state>;

} // namespace

topic_actor::behavior_type topic_behavior(topic_pointer self, std::shared_ptr<registry> reg,
                                          signal_state* st, std::vector<listener_ptr> initial) {
  self->state.reg = std::move(reg);
  self->state.st = st;
  self->state.listeners = std::move(initial);
  return {
    [=](wake_atom) {
      auto& s = self->state;
      if (s.reg->flush(*s.st, s.listeners, s.batch, batches_per_wake))
        self->send(self, wake_atom::value);
    },
    [=](event& e) {
      // Sent directly by a user: delivered now, outside the queue bound.
      auto& s = self->state;
      auto report = s.reg->deliver(*s.st, s.listeners, e);
      s.st->delivered.fetch_add(1, std::memory_order_relaxed);
      if (e.get()->on_delivered)
        e.get()->on_delivered(report);
    },
    [=](attach_atom, listener_ptr& l) {
      auto& s = self->state;
      s.reg->enqueue_control(*s.st, queue_item{queue_item::kind::attach, {}, std::move(l)});
    },
    [=](detach_atom, listener_ptr& l) {
      auto& s = self->state;
      s.reg->enqueue_control(*s.st, queue_item{queue_item::kind::detach, {}, std::move(l)});
    },
    [=](drain_atom) {
      // Everything queued before this request is delivered before the reply.
      auto& s = self->state;
      while (s.reg->flush(*s.st, s.listeners, s.batch, batches_per_wake)) {
      }
      return true;
    },
    [=](get_state_atom) {
      topic_state result;
      result.stats = self->state.st->snapshot();
      for (auto& l : self->state.listeners)
        result.listeners.push_back(listener_info{l->id, l->once, l->observer, l->calls.load()});
      return result;
    },
  };
}

topic_actor spawn_topic(caf::actor_system& sys, std::shared_ptr<registry> reg, signal_state* st,
                        std::vector<listener_ptr> initial) {
  return sys.spawn(topic_behavior, std::move(reg), st, std::move(initial));
}

namespace {

struct broker_actor_state {
  std::shared_ptr<registry> reg;
  static inline const char* name = "capitan.broker";
};

broker_actor::behavior_type broker_behavior(broker_actor::stateful_pointer<broker_actor_state> self,
                                            std::shared_ptr<registry> reg) {
  self->state.reg = std::move(reg);
  return {
    [=](get_state_atom) {
      auto& r = *self->state.reg;
      return broker_state{r.snapshot(), r.opts.sync, r.deterministic};
    },
  };
}

} // namespace

broker_actor spawn_broker(caf::actor_system& sys, std::shared_ptr<registry> reg) {
  return sys.spawn(broker_behavior, std::move(reg));
}

} // namespace armada::capitan::detail
