#include "stream_entry.hpp"

#include <hiredis/hiredis.h>

#include "armada/herald/envelope_message.hpp"
#include "armada/serialization/envelope.hpp"

namespace armada::herald::redis {

namespace {

/// Milliseconds of a stream id "1700000000000-0".
std::chrono::system_clock::time_point time_of(const std::string& id) {
  std::int64_t ms = 0;
  for (char c : id) {
    if (c < '0' || c > '9')
      break;
    ms = ms * 10 + (c - '0');
  }
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
}

} // namespace

command_args xadd_command(const std::string& key, const message& m, std::int64_t maxlen) {
  serialization::envelope e;
  e.id = m.id;
  e.key = m.key;
  e.metadata = m.metadata;
  e.payload = m.payload;
  e.publish_time = m.published == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                          : m.published;
  e.topic = m.topic;
  command_args args{"XADD", key};
  if (maxlen > 0) {
    args.emplace_back("MAXLEN");
    args.emplace_back("~");
    args.push_back(std::to_string(maxlen));
  }
  args.emplace_back("*");
  args.emplace_back(envelope_field);
  args.push_back(serialization::encode(e));
  return args;
}

namespace {

/// Fills `out` from envelope bytes; false (and `out` untouched) when they are not one.
bool decode_into(std::string_view bytes, message& out) {
  auto e = serialization::decode_envelope(bytes);
  if (!e)
    return false;
  herald::take_envelope(std::move(*e), out);
  if (out.id.empty())
    out.id = out.broker;
  return true;
}

/// A foreign or damaged entry, handed over with what it has (its fields already in metadata).
void mark_foreign(message& out, const std::string& why) {
  out.id = out.broker;
  out.published = time_of(out.broker);
  out.metadata["redis-decode-error"] = "redis provider: stream entry " + out.broker + " of '" + out.topic + "': "
                                       + why + "; publish through herald (XADD key * e <envelope>)";
}

} // namespace

bool read_entry(const redisReply* entry, const std::string& topic, std::uint32_t attempt, message& out,
                bool decode_later) {
  if (entry == nullptr || entry->type != REDIS_REPLY_ARRAY || entry->elements < 2)
    return false;
  auto* fields = entry->element[1];
  if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY)
    return false; // deleted (trimmed) while pending
  out = message{};
  out.broker = text_of(entry->element[0]);
  out.topic = topic;
  out.attempt = attempt;
  const redisReply* envelope = nullptr;
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2)
    if (view_of(fields->element[i]) == envelope_field)
      envelope = fields->element[i + 1];
  if (envelope != nullptr && fields->elements == 2 && decode_later) {
    out.payload.assign(view_of(envelope)); // the envelope: decode_entry finishes the message
    return true;
  }
  if (envelope != nullptr && decode_into(view_of(envelope), out))
    return true;
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2)
    out.metadata[text_of(fields->element[i])] = text_of(fields->element[i + 1]);
  mark_foreign(out, envelope != nullptr ? "field 'e' is not an armada envelope"
                                        : "no field 'e' (the entry was not written by herald)");
  return true;
}

void decode_entry(message& m) {
  if (!m.id.empty())
    return; // finished by read_entry
  auto bytes = std::move(m.payload);
  m.payload.clear();
  if (decode_into(bytes, m))
    return;
  m.metadata[envelope_field] = std::move(bytes);
  mark_foreign(m, "field 'e' is not an armada envelope");
}

std::vector<message> read_entries(const redisReply* entries, const std::string& topic, std::uint32_t attempt,
                                  bool decode_later) {
  std::vector<message> out;
  if (entries == nullptr || entries->type != REDIS_REPLY_ARRAY)
    return out;
  out.reserve(entries->elements);
  for (std::size_t i = 0; i < entries->elements; ++i) {
    message m;
    if (read_entry(entries->element[i], topic, attempt, m, decode_later))
      out.push_back(std::move(m));
  }
  return out;
}

} // namespace armada::herald::redis
