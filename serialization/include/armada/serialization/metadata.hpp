#pragma once

#include <string_view>

namespace armada::serialization {

/// Reserved metadata names: herald sets and reads these on every message, and transports
/// without headers keep them in the envelope. Lower case, as HTTP/2 and Kafka headers are.
namespace metadata {

/// The media type of the payload, e.g. `application/json`.
inline constexpr std::string_view content_type = "content-type";
/// The signal or message type the payload holds, e.g. `order.placed`.
inline constexpr std::string_view type = "type";
/// The version of the payload's schema, chosen by the publisher.
inline constexpr std::string_view schema_version = "schema-version";
/// The W3C trace context of the emitting event (see traceparent.hpp).
inline constexpr std::string_view traceparent = "traceparent";
/// The correlation id of a request/response exchange.
inline constexpr std::string_view correlation_id = "correlation-id";
/// The message id (a UUID made by the publisher unless set).
inline constexpr std::string_view message_id = "message-id";
/// `base64` when a text-only transport (SQS, SNS, Firestore) carries a binary payload.
inline constexpr std::string_view content_transfer_encoding = "content-transfer-encoding";

} // namespace metadata

/// The content types of the built-in codecs.
namespace content_types {

/// JSON (json_codec, the JSON event form).
inline constexpr std::string_view json = "application/json";
/// Protobuf; protobuf_codec adds the message's full name as a parameter:
/// `application/x-protobuf; messageType=shop.v1.Order`.
inline constexpr std::string_view protobuf = "application/x-protobuf";
/// Raw bytes (raw_codec).
inline constexpr std::string_view octet_stream = "application/octet-stream";
/// The parameter of `protobuf` that names the message type.
inline constexpr std::string_view protobuf_type_parameter = "messageType";

} // namespace content_types

} // namespace armada::serialization
