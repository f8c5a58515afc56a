#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::pubsub {

/// The pubsub provider: Google Cloud Pub/Sub over its REST API (v1), for the Pub/Sub emulator
/// (plain http, no authentication). A topic is one Pub/Sub topic; a subscription with group `g`
/// to topic `t` is the Pub/Sub subscription `t--g`, so each group gets every message and the
/// subscriptions of one group compete. Topics and subscriptions are created if missing. See
/// docs/providers/pubsub.md.
///
/// URL: `pubsub://host:port?project=NAME&…`. Properties (validated up front):
///   project          string        ""     the project; empty: PUBSUB_PROJECT_ID
///   ack-deadline     milliseconds  30000  ack deadline of new subscriptions (whole seconds, 10 s to 600 s);
///                                         extended while a handler holds the message
///   connect-timeout  milliseconds  5000
///   request-timeout  milliseconds  10000
///   max-attempts     integer       4      tries of one request on transport errors, 5xx and 429
///
/// Publish is `topics/…:publish` (data base64, metadata as attributes, key as ordering key);
/// publish_batch publishes up to 1000 messages per call; fetch is `:pull`; ack is
/// `:acknowledge`; nack(delay) is `:modifyAckDeadline` to the delay (whole seconds; 0: at once);
/// while a message is held (delivered, not acked or nacked) a keeper thread of the subscription
/// extends its deadline (`:modifyAckDeadline`, batched) before it runs out; close sets the
/// deadline of held messages to 0. The delivery attempt is Pub/Sub's
/// `deliveryAttempt` where the server reports it, else counted by the subscription.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The driver without a connection actor. Same URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the pubsub provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::pubsub
