#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "registry.hpp"

namespace armada::capitan::detail {

namespace {

struct topic_actor_state {
  std::shared_ptr<registry> reg;
  signal_state* st = nullptr;
  std::vector<listener_ptr> listeners; // ordered by id = registration order
  std::unordered_set<std::string> seen_keys; // cache in front of st->schema
  static inline const char* name = "capitan.topic";
};

using topic_pointer = topic_actor::stateful_pointer<topic_actor_state>;

void on_event(topic_pointer self, const event& e) {
  auto& s = self->state;
  // The event leaves the queue now: the bound counts waiting events, not the one in the hooks.
  s.st->depth.fetch_sub(1);
  s.st->wake_waiters();
  if (e.cancelled()) {
    s.st->count_drop(drop_reason::cancelled);
  } else {
    for (auto& f : e.fields()) {
      if (s.seen_keys.count(f.name()) == 0) {
        s.seen_keys.insert(f.name());
        s.st->record_schema(e);
      }
    }
    s.reg->deliver(*s.st, s.listeners, e);
    s.st->delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

} // namespace

topic_actor::behavior_type topic_behavior(topic_pointer self, std::shared_ptr<registry> reg,
                                          signal_state* st, std::vector<listener_ptr> initial) {
  self->state.reg = std::move(reg);
  self->state.st = st;
  self->state.listeners = std::move(initial);
  return {
    [=](event& e) { on_event(self, e); },
    [=](attach_atom, listener_ptr& l) {
      auto& ls = self->state.listeners;
      if (std::find(ls.begin(), ls.end(), l) != ls.end())
        return;
      auto pos = std::lower_bound(ls.begin(), ls.end(), l,
                                  [](const listener_ptr& a, const listener_ptr& b) { return a->id < b->id; });
      ls.insert(pos, std::move(l));
    },
    [=](detach_atom, listener_ptr& l) {
      auto& ls = self->state.listeners;
      ls.erase(std::remove(ls.begin(), ls.end(), l), ls.end());
    },
    [=](drain_atom) { return true; },
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
