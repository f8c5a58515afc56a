#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"

namespace armada::herald::sns {

/// The sns provider: Amazon SNS over its query protocol (form-encoded `Action=Publish…`, XML
/// answers), signed with AWS Signature Version 4. A topic is one SNS topic (same naming as the
/// sqs provider's queues), created if missing. SNS cannot be read directly: a subscription to
/// topic `t` with group `g` reads the SQS queue `t-g` (on the same endpoint), which is created
/// and subscribed to the topic with raw message delivery — so each group gets every message and
/// the subscriptions of one group compete. See docs/providers/sns.md.
///
/// URL: `sns://host:port?property=value&…` with the sqs provider's properties (region,
/// credentials, queue-prefix — also the prefix of topic names —, fifo, visibility-timeout, …).
/// Publish is Publish, publish_batch is PublishBatch (10 per call); ack, nack and delivery
/// attempts are the SQS queue's. Returns a transport error naming the endpoint when it cannot be
/// reached (connect pings it), a config error for a bad URL or property. Call from any thread
/// outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor. Same URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// Wires the SNS topic of `topic` to the SQS queue of `queue_topic` (both created if missing;
/// the queue policy lets the topic send; raw message delivery, so the queue holds the messages
/// as published): an sqs connection to the same endpoint then reads what is published to the
/// topic. Idempotent. Returns the subscription ARN. Blocking; call it outside an actor.
caf::expected<std::string> fan_out(std::string_view url, const std::string& topic, const std::string& queue_topic);

} // namespace armada::herald::sns
