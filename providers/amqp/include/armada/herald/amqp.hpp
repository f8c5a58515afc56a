#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::amqp {

/// The amqp provider: AMQP 0-9-1 (RabbitMQ) on rabbitmq-c (docs/providers/amqp.md).
///
/// URL: `amqp://[user:password@]HOST[:PORT][/VHOST]?property=value&…` (port 5672, user and
/// password guest, vhost "/"; the password is never shown). Properties (validated up front; an
/// unknown one is an error naming it):
///   prefix           string   herald.   prefix of exchange and queue names
///   default-group    string   default   the group whose queue a publisher declares, so messages
///                                       wait for it from the first publish; empty: none (then a
///                                       publish nobody's queue receives fails as unroutable)
///   declare          boolean  true      declare exchanges and queues (durable) if missing; false:
///                                       a missing one is an error
///   timeout          ms       10000     RPC replies and publisher confirms
///   connect-timeout  ms       5000      TCP connect and handshake
///   heartbeat        integer  0         AMQP heartbeat in seconds (0: off)
///   dead-letter-exchange     string  (none)  x-dead-letter-exchange of every group queue (the
///                                       exchange declared as a durable fanout if missing); a
///                                       message rejected for good lands in its bound queues
///   dead-letter-routing-key  string  (none)  x-dead-letter-routing-key (needs the exchange)
///
/// Semantics: a topic is a durable fanout exchange `<prefix><topic>`; a group is a durable queue
/// `<prefix><topic>:<group>` bound to it (consumers of one group compete). Publish is a
/// persistent, mandatory basic.publish on a confirm-mode channel and completes on the broker's
/// basic.ack; a basic.return (no queue bound) or basic.nack is an error. A subscription is a
/// basic.consume with basic.qos prefetch; ack is basic.ack; nack(delay) keeps the message
/// unacked for `delay`, then basic.nack requeues it; reject (herald gave up on the message) is
/// basic.reject without requeue, to the dead-letter exchange. A lost connection is re-established on the
/// next call with jittered backoff; what was unacked is requeued by the broker.
///
/// Returns a config error naming the property, or a transport error naming the server and the
/// fix when it cannot connect or log in. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor (for tests, or to host it yourself). Same
/// URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the amqp provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::amqp
