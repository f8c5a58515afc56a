#pragma once

// How a herald message is stored in a stream entry, and how the entries of XREADGROUP /
// XAUTOCLAIM replies are read back. One field, `e`, holds the whole message as a Protobuf
// envelope (armada.serialization.v1.Envelope): metadata lives inside it, so no metadata name can
// collide with the payload field.

#include <cstdint>
#include <string>
#include <vector>

#include "armada/herald/message.hpp"
#include "armada/herald/redis_client.hpp"

namespace armada::herald::redis {

/// The stream field that holds the envelope.
inline constexpr const char* envelope_field = "e";

/// `XADD key [MAXLEN ~ maxlen] * e <envelope of m>` (no trimming when maxlen is 0). `m.id` must
/// be set.
command_args xadd_command(const std::string& key, const message& m, std::int64_t maxlen);

/// The message of one stream entry (`[id, [field, value, …]]`) read from `topic`, with `attempt`.
/// An entry written by someone else (no `e` field, or not an envelope) becomes a message with an
/// empty payload, its fields as metadata and `redis-decode-error` saying why, so a typed
/// subscriber dead-letters it instead of failing forever. False for a deleted entry (nil fields).
/// With `decode_later`, an entry holding just the envelope is left for `decode_entry`: `out`
/// has its position, topic and attempt, the envelope bytes as payload and no id yet.
bool read_entry(const redisReply* entry, const std::string& topic, std::uint32_t attempt, message& out,
                bool decode_later = false);

/// Finishes a message `read_entry` left for later (one without an id); others stay as they are.
void decode_entry(message& m);

/// The entries of an array of entries (`[[id, fields], …]`), skipping deleted ones.
std::vector<message> read_entries(const redisReply* entries, const std::string& topic, std::uint32_t attempt,
                                  bool decode_later = false);

} // namespace armada::herald::redis
