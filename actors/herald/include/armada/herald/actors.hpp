#pragma once

// The typed actor interfaces of herald: one connection actor per provider instance, one
// subscription actor per subscription, one subscriber actor per subscriber / bridge_in.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "armada/capitan/actors.hpp"
#include "armada/herald/message.hpp"
#include "armada/runtime/type_ids.hpp"

namespace armada::herald {

using get_state_atom = capitan::get_state_atom;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using publish_batch_atom = caf::atom_constant<caf::atom("pubbatch")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using ack_atom = caf::atom_constant<caf::atom("ack")>;
using nack_atom = caf::atom_constant<caf::atom("nack")>;
using reject_atom = caf::atom_constant<caf::atom("reject")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using fetch_failed_atom = caf::atom_constant<caf::atom("fetchfail")>;

/// Latency of an operation, in microseconds.
struct latency_stats {
  std::uint64_t count = 0;
  double mean_us = 0;
  double max_us = 0;
  void add(double us) {
    ++count;
    mean_us += (us - mean_us) / static_cast<double>(count);
    if (us > max_us)
      max_us = us;
  }
  template <class Inspector>
  friend auto inspect(Inspector& f, latency_stats& x) {
    return f(x.count, x.mean_us, x.max_us);
  }
};

/// What `get_state` on a connection actor returns.
struct connection_state {
  std::string provider;
  std::string url; ///< with any password hidden
  std::uint64_t published = 0;
  std::uint64_t publish_failed = 0;
  std::uint64_t subscriptions = 0;
  bool closed = false;
  latency_stats publish_latency;
  template <class Inspector>
  friend auto inspect(Inspector& f, connection_state& x) {
    return f(x.provider, x.url, x.published, x.publish_failed, x.subscriptions, x.closed,
             x.publish_latency);
  }
};

/// What `get_state` on a subscription actor returns.
struct subscription_state {
  std::string topic;
  std::string group;
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;
  std::uint64_t rejected = 0; ///< given up on (subscription_driver::reject)
  std::uint64_t fetch_errors = 0;
  std::int64_t in_flight = 0;
  bool closed = false;
  template <class Inspector>
  friend auto inspect(Inspector& f, subscription_state& x) {
    return f(x.topic, x.group, x.received, x.acked, x.nacked, x.rejected, x.fetch_errors, x.in_flight, x.closed);
  }
};

/// What `get_state` on the publisher actor of an outbound bridge returns.
struct bridge_out_state {
  std::string signal;
  std::string topic;
  std::uint64_t published = 0;           ///< acknowledged by the broker
  std::uint64_t failed = 0;              ///< encode or publish failed (reported on herald.error)
  std::uint64_t dropped_backpressure = 0; ///< refused: max_pending events were waiting already
  std::int64_t pending = 0;              ///< taken from the signal, not acknowledged yet
  latency_stats publish_latency;         ///< per event, the publish pipeline up to the broker's ack
  template <class Inspector>
  friend auto inspect(Inspector& f, bridge_out_state& x) {
    return f(x.signal, x.topic, x.published, x.failed, x.dropped_backpressure, x.pending,
             x.publish_latency);
  }
};

/// What `get_state` on a subscriber (bridge) actor returns.
struct subscriber_state {
  std::string topic;
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t decode_errors = 0;
  std::uint64_t fetch_errors = 0; ///< failures reported by the subscription (rate-limited)
  std::int64_t in_flight = 0;
  latency_stats handle_latency;
  template <class Inspector>
  friend auto inspect(Inspector& f, subscriber_state& x) {
    return f(x.topic, x.received, x.acked, x.nacked, x.dead_lettered, x.decode_errors,
             x.fetch_errors, x.in_flight, x.handle_latency);
  }
};

/// One subscription: polls its driver and hands messages to its sink; takes their acks. The
/// sink owns a delivered message until it settles it: it hands the message back with its ack,
/// nack or reject (moved, no copy is kept here), exactly once.
using subscription_actor = caf::typed_actor<
  caf::reacts_to<ack_atom, std::vector<message>>,     // delivered messages (one driver call)
  caf::reacts_to<nack_atom, message, caf::timespan>,  // a delivered message, redelivery delay
  caf::reacts_to<reject_atom, message>,               // a delivered message (given up on)
  caf::reacts_to<done_atom, std::size_t>,             // delivered duplicates the sink dropped
  caf::reacts_to<poll_atom>,
  caf::replies_to<close_atom>::with<bool>,
  caf::replies_to<get_state_atom>::with<subscription_state>>;

/// Where a subscription delivers (one message per poll batch), and hears why fetching fails
/// (the first failure of a streak, then at most one report per 5 s).
using delivery_sink = caf::typed_actor<
  caf::reacts_to<deliver_atom, std::vector<message>, subscription_actor>,
  caf::reacts_to<fetch_failed_atom, caf::error>>;

/// One provider instance: owns the driver (client handle).
using connection_actor = caf::typed_actor<
  caf::replies_to<publish_atom, message>::with<publish_receipt>,
  caf::replies_to<publish_batch_atom, std::vector<message>>::with<std::vector<publish_receipt>>,
  caf::replies_to<subscribe_atom, std::string, subscribe_options, delivery_sink>::with<subscription_actor>,
  caf::replies_to<ping_atom>::with<caf::timespan>,
  caf::replies_to<close_atom>::with<bool>,
  caf::replies_to<get_state_atom>::with<connection_state>>;

/// The publisher actor of an outbound bridge (its own thread): publishes the events its hook
/// hands over, one at a time, in order.
using bridge_out_actor = caf::typed_actor<
  caf::reacts_to<message>,
  caf::replies_to<get_state_atom>::with<bridge_out_state>>;

/// A subscriber: decodes, hands to its handler (or emits on capitan), acks after the handler
/// finished, nacks or dead-letters on failure.
using subscriber_actor = caf::typed_actor<
  caf::reacts_to<deliver_atom, std::vector<message>, subscription_actor>,
  caf::reacts_to<fetch_failed_atom, caf::error>,
  caf::reacts_to<flush_atom>,
  caf::reacts_to<done_atom, std::uint64_t, caf::error>, // delivery number, handler outcome
  caf::replies_to<close_atom>::with<bool>,
  caf::replies_to<get_state_atom>::with<subscriber_state>>;

} // namespace armada::herald

CAF_BEGIN_TYPE_ID_BLOCK(armada_herald, armada::herald_first_type_id)
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::message))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::publish_receipt))
  CAF_ADD_TYPE_ID(armada_herald, (std::vector<armada::herald::message>))
  CAF_ADD_TYPE_ID(armada_herald, (std::vector<armada::herald::publish_receipt>))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::latency_stats))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::connection_state))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::subscription_state))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::subscriber_state))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::subscribe_options))
  CAF_ADD_TYPE_ID(armada_herald, (std::vector<std::string>))
  CAF_ADD_TYPE_ID(armada_herald, (armada::herald::bridge_out_state))
CAF_END_TYPE_ID_BLOCK(armada_herald)

// A handler's completion travels to the handler threads of a concurrent subscriber; it never
// leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::function<void(caf::error)>)
