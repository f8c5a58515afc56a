#pragma once

// The typed actor interfaces of capitan: one broker actor per instance, one topic actor per
// signal. Users who want actors talk to these; the `instance` facade wraps them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>

#include "armada/capitan/event.hpp"
#include "armada/capitan/stats.hpp"
#include "armada/runtime/type_ids.hpp"

namespace armada::capitan {

namespace detail {
struct listener_impl;
}
using listener_ptr = std::shared_ptr<detail::listener_impl>;

/// Asks any armada actor for a typed snapshot of its state.
using get_state_atom = caf::atom_constant<caf::atom("get_state")>;
/// Asks a topic actor to reply once every event queued before the request was delivered.
using drain_atom = caf::atom_constant<caf::atom("drain")>;
/// Attaches a listener to a topic actor (ordered with the events around it).
using attach_atom = caf::atom_constant<caf::atom("attach")>;
/// Detaches a listener after the events queued before it were delivered to it.
using detach_atom = caf::atom_constant<caf::atom("detach")>;
/// Tells a topic actor that its signal's queue has work (one message per batch, not per event).
using wake_atom = caf::atom_constant<caf::atom("wake")>;

/// One listener as a topic actor reports it.
struct listener_info {
  std::uint64_t id = 0;     ///< registration sequence number (= delivery order)
  bool once = false;
  bool observer = false;
  std::uint64_t calls = 0;

  template <class Inspector>
  friend auto inspect(Inspector& f, listener_info& x) {
    return f(x.id, x.once, x.observer, x.calls);
  }
};

/// What `get_state` on a topic actor returns.
struct topic_state {
  signal_stats stats;
  std::vector<listener_info> listeners;

  template <class Inspector>
  friend auto inspect(Inspector& f, topic_state& x) {
    return f(x.stats, x.listeners);
  }
};

/// What `get_state` on the broker actor returns.
struct broker_state {
  capitan::instance_stats stats;
  bool sync = false;
  bool deterministic = false;

  template <class Inspector>
  friend auto inspect(Inspector& f, broker_state& x) {
    return f(x.stats, x.sync, x.deterministic);
  }
};

/// One signal's consumer: delivers events to its listeners in order. Emits go through the
/// signal's bounded queue and wake the actor once per batch; an `event` sent directly is
/// delivered at once (bypassing the queue bound).
using topic_actor = caf::typed_actor<
  caf::reacts_to<wake_atom>,
  caf::reacts_to<event>,
  caf::reacts_to<attach_atom, listener_ptr>,
  caf::reacts_to<detach_atom, listener_ptr>,
  caf::replies_to<drain_atom>::with<bool>,
  caf::replies_to<get_state_atom>::with<topic_state>>;

/// The registry of an instance: signals, listeners, observers, config, stats.
using broker_actor = caf::typed_actor<
  caf::replies_to<get_state_atom>::with<broker_state>>;

} // namespace armada::capitan

CAF_BEGIN_TYPE_ID_BLOCK(armada_capitan, armada::capitan_first_type_id)
  CAF_ADD_TYPE_ID(armada_capitan, (armada::capitan::listener_info))
  CAF_ADD_TYPE_ID(armada_capitan, (armada::capitan::signal_stats))
  CAF_ADD_TYPE_ID(armada_capitan, (armada::capitan::instance_stats))
  CAF_ADD_TYPE_ID(armada_capitan, (armada::capitan::topic_state))
  CAF_ADD_TYPE_ID(armada_capitan, (armada::capitan::broker_state))
CAF_END_TYPE_ID_BLOCK(armada_capitan)

// Events and listener handles hold pointers: they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(armada::capitan::event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(armada::capitan::listener_ptr)
