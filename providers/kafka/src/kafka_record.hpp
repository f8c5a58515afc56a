#pragma once

// A herald message as a Kafka record and back: the key is the Kafka key, the id travels in the
// header `message-id`, each metadata entry is a header, the payload is the value.

#include <cstdint>
#include <string>

#include <librdkafka/rdkafka.h>

#include "armada/herald/message.hpp"

namespace armada::herald::kafka {

/// The header carrying message::id.
inline constexpr const char* id_header = "message-id";

/// Headers for `m` (the caller owns them until a produce call takes them).
rd_kafka_headers_t* make_headers(const message& m);

/// The message of a consumed record (id, key, metadata, payload, publish time, broker
/// position "partition:offset"). A record without `message-id` (not published by herald) gets
/// "topic:partition:offset" as its id.
message from_record(const rd_kafka_message_t* rec, const std::string& topic);

/// "partition:offset".
std::string position(std::int32_t partition, std::int64_t offset);

/// Reads "partition:offset"; false when `text` is not one.
bool parse_position(const std::string& text, std::int32_t& partition, std::int64_t& offset);

} // namespace armada::herald::kafka
