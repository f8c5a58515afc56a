#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::sqs {

/// The sqs provider: Amazon SQS over its JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`,
/// `application/x-amz-json-1.0`), signed with AWS Signature Version 4, on armada's Beast HTTP
/// client. A topic is one queue (`<queue-prefix><topic>`, characters SQS does not allow in a
/// queue name become '-'), created if missing. See docs/providers/sqs.md.
///
/// URL: `sqs://host:port?property=value&…` (plain http; the endpoint is the only address ever
/// contacted — queue URLs returned by the server are sent back as names, never connected to).
/// Properties (validated up front; an unknown one is an error naming it):
///   region              string        ""     signing region; empty: AWS_REGION, AWS_DEFAULT_REGION, us-east-1
///   access-key-id       string        ""     empty: AWS_ACCESS_KEY_ID
///   secret-access-key   string        ""     empty: AWS_SECRET_ACCESS_KEY (never shown)
///   session-token       string        ""     empty: AWS_SESSION_TOKEN (never shown)
///   queue-prefix        string        ""     prefix of every queue name
///   fifo                boolean       false  FIFO queues (`.fifo`): group id = key, dedup id = message id
///   visibility-timeout  milliseconds  30000  how long a received message stays invisible; extended
///                                            while the handler holds it
///   connect-timeout     milliseconds  5000
///   request-timeout     milliseconds  10000  one request (a long poll adds its wait)
///   max-attempts        integer       4      tries of one request on transport errors, 5xx, throttling
///
/// Semantics: publish is SendMessage (acknowledged by its reply); publish_batch is
/// SendMessageBatch (10 per call); a subscription long-polls ReceiveMessage (WaitTimeSeconds = the
/// fetch's wait in whole seconds, a short poll under 1 s); ack is DeleteMessage; nack(delay) is
/// ChangeMessageVisibility to the delay (whole seconds, rounded); close makes held messages
/// visible at once. The delivery attempt is ApproximateReceiveCount. All subscriptions of a
/// queue compete, whatever their group: SQS has no consumer groups (use SNS fan-out).
///
/// Returns a transport error naming the endpoint when it cannot be reached (connect pings it),
/// a config error for a bad URL or property. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor. Same URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the sqs provider.
const std::vector<property_spec>& property_specs();

/// The queue name of `topic` (prefix + topic with characters outside [A-Za-z0-9_-] replaced by
/// '-', plus `.fifo` for FIFO queues); an error when it exceeds SQS's 80 characters.
caf::expected<std::string> queue_name(std::string_view prefix, std::string_view topic, bool fifo);

} // namespace armada::herald::sqs
