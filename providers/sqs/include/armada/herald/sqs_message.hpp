#pragma once

// How a herald message travels as an SQS message, and back.
//
// Attributes (String): `herald.id`, `herald.key` (when set), `content-transfer-encoding: base64`
// when the body is base64, and every metadata entry as an attribute of its own — as long as
// everything fits SQS's limit of 10 attributes with valid names and values. Otherwise the whole
// message (id, key, metadata, payload, publish time) goes as a base64 Protobuf envelope
// (`herald.format: envelope`), so nothing is lost. A payload that is not valid SQS text (binary,
// invalid UTF-8, control characters) or is empty is sent base64.

#include <cstddef>
#include <string>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/herald/message.hpp"

namespace armada::herald::sqs {

/// SQS's limit of one message: body plus attributes.
inline constexpr std::size_t max_message_bytes = 262144;

/// SQS's limit of message attributes per message.
inline constexpr std::size_t max_attributes = 10;

/// The SendMessage fields of `m` (`MessageBody`, `MessageAttributes`, and for FIFO queues
/// `MessageGroupId` = key (or "herald") and `MessageDeduplicationId` = id). `m.id` must be set.
/// An error when the message exceeds SQS's size limit.
caf::expected<nlohmann::json> encode(const message& m, bool fifo);

/// The herald message of one received SQS message (`Body`, `ReceiptHandle`, `Attributes`,
/// `MessageAttributes`): broker = receipt handle, attempt = ApproximateReceiveCount. A message
/// not written by herald keeps its body, its attributes as metadata and, where it cannot be
/// read, `sqs-decode-error` saying why.
message decode(const nlohmann::json& received, const std::string& topic);

/// True when `text` may be sent as an SQS body or attribute value as it is (valid UTF-8 of the
/// characters SQS allows).
bool is_sqs_text(std::string_view text);

} // namespace armada::herald::sqs
