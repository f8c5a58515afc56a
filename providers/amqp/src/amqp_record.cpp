#include "amqp_record.hpp"

#include <chrono>

#include "amqp_session.hpp"

namespace armada::herald::amqp {

outgoing_properties::outgoing_properties(const message& m) {
  // Every string the properties point to lives in strings_ (reserved: no reallocation).
  strings_.reserve(2 * m.metadata.size() + 4);
  auto keep = [&](std::string s) -> const std::string& { return strings_.emplace_back(std::move(s)); };
  entries_.reserve(m.metadata.size() + 1);
  if (!m.key.empty())
    entries_.push_back(string_entry(keep(key_header), keep(m.key)));
  for (auto& [name, value] : m.metadata)
    if (name != key_header)
      entries_.push_back(string_entry(name, value));
  props_._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TIMESTAMP_FLAG
                  | AMQP_BASIC_HEADERS_FLAG;
  props_.delivery_mode = 2; // persistent
  props_.message_id = bytes_of(m.id);
  props_.timestamp = static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  props_.headers.num_entries = static_cast<int>(entries_.size());
  props_.headers.entries = entries_.data();
  if (auto ct = m.metadata.find("content-type"); ct != m.metadata.end()) {
    props_._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
    props_.content_type = bytes_of(ct->second);
  }
}

message from_envelope(const amqp_envelope_t& env, const std::string& topic) {
  message m;
  m.topic = topic;
  auto& body = env.message.body;
  m.payload = text_of(body);
  auto& p = env.message.properties;
  if ((p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0)
    m.id = text_of(p.message_id);
  if ((p._flags & AMQP_BASIC_TIMESTAMP_FLAG) != 0)
    m.published = std::chrono::system_clock::time_point{std::chrono::seconds{static_cast<std::int64_t>(p.timestamp)}};
  if ((p._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
    for (int i = 0; i < p.headers.num_entries; ++i) {
      auto& e = p.headers.entries[i];
      auto name = text_of(e.key);
      std::string value;
      if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES)
        value = text_of(e.value.value.bytes);
      else if (e.value.kind == AMQP_FIELD_KIND_I64)
        value = std::to_string(e.value.value.i64);
      else if (e.value.kind == AMQP_FIELD_KIND_I32)
        value = std::to_string(e.value.value.i32);
      else
        continue; // tables, arrays, … (set by other publishers) are not metadata
      if (name == key_header)
        m.key = std::move(value);
      else
        m.metadata[name] = std::move(value);
    }
  }
  if ((p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) != 0 && m.metadata.count("content-type") == 0)
    m.metadata["content-type"] = text_of(p.content_type);
  return m;
}

} // namespace armada::herald::amqp
