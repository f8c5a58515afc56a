#pragma once

#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::jetstream {

/// The jetstream provider: NATS JetStream on nats.c (docs/providers/jetstream.md).
///
/// URL: `jetstream://HOST:PORT?property=value&…` (PORT defaults to 4222). The properties of the
/// nats provider (connect-timeout, timeout, max-reconnect, reconnect-wait, reconnect-jitter,
/// servers, subject-prefix, name) and:
///   stream-prefix     string   HERALD_  prepended to the stream name made from the topic
///   storage           string   file     file | memory
///   replicas          integer  1        stream and consumer replicas (1 on a single server)
///   max-deliver       integer  -1       deliveries of a message before JetStream gives up (-1: no limit)
///   ack-wait          ms       30000    an unacked message is redelivered after this
///   max-age           ms       0        messages older than this are removed (0: kept)
///   duplicate-window  ms       120000   publishes with the same message id within it are stored once
///
/// Semantics: one stream per topic (subject = subject-prefix + topic), created if missing; one
/// durable pull consumer per group (DeliverAll, explicit ack), created if missing — an existing
/// consumer keeps its configuration. Publish completes on the PubAck (the message id is the
/// de-duplication id); ack is Ack, nack(delay) is NakWithDelay; attempt is NumDelivered.
///
/// Returns a config error naming the property, or a transport error naming the server and the
/// fix when it cannot connect or the server has no JetStream. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor (for tests, or to host it yourself). Same
/// URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the jetstream provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::jetstream
