#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::kafka {

/// The kafka provider: Apache Kafka on librdkafka (docs/providers/kafka.md).
///
/// URL: `kafka://HOST:PORT[,HOST:PORT…]?property=value&…` (the bootstrap list; PORT defaults to
/// 9092). Properties (validated up front; an unknown one is an error naming it):
///   client-id            string   armada-herald  client.id of the producer and consumers
///   partitioner          string   murmur2        key → partition: murmur2 | murmur2_random |
///                                                consistent | consistent_random | fnv1a |
///                                                fnv1a_random | random (the *random ones spread
///                                                unkeyed messages, so a topic has no order)
///   idempotence          boolean  true           idempotent producer (acks=all, no duplicates
///                                                from producer retries, order kept per partition)
///   linger               ms       0              how long the producer waits to fill a batch
///   max-in-flight        integer  1              produce requests in flight per broker connection
///                                                (1..5 with idempotence)
///   message-timeout      ms       30000          a publish not acknowledged by then fails
///   timeout              ms       10000          metadata requests (connect, ping, topic checks)
///   create-topics        boolean  true           a missing topic is created on use (where the
///                                                broker allows it); false: missing is an error
///   group-per-topic      boolean  true           group.id = <group>@<topic> (subscribers of other
///                                                topics never rebalance this one); false: <group>
///   auto-offset-reset    string   earliest       where a new group starts: earliest | latest
///   session-timeout      ms       10000          a consumer silent this long leaves its group
///   heartbeat-interval   ms       3000           consumer heartbeats
///   commit-interval      ms       1000           how often done offsets are committed (and on
///                                                rebalance and close)
///   reconnect-backoff    ms       100            first wait before reconnecting to a broker
///   reconnect-backoff-max ms      10000          longest wait (exponential, jittered by librdkafka)
///   rdkafka.NAME         string   —              any librdkafka property, passed through
///                                                (checked by librdkafka up front)
///
/// Semantics: publish produces with the message id in header `message-id`, metadata as headers
/// and the key as the Kafka key, and completes on the delivery report (the broker's ack);
/// publish_batch produces all, then waits for every report. A subscription is one consumer of
/// its group (group.id = `<group>@<topic>`). An offset is committed only when every
/// earlier offset of its partition was acked; nack(delay) hands the message out again after
/// `delay` (it is never skipped: its offset stays uncommitted until it is acked, so a
/// rebalance or a crash redelivers it from the broker). attempt counts local deliveries.
///
/// Returns a config error naming the property, or a transport error naming the brokers and the
/// fix when none answers. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor (for tests, or to host it yourself). Same
/// URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the kafka provider (without the `rdkafka.` pass-through).
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::kafka
