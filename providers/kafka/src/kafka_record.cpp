#include "kafka_record.hpp"

#include <charconv>
#include <string_view>

namespace armada::herald::kafka {

rd_kafka_headers_t* make_headers(const message& m) {
  auto* h = rd_kafka_headers_new(m.metadata.size() + 1);
  rd_kafka_header_add(h, id_header, -1, m.id.data(), static_cast<ssize_t>(m.id.size()));
  for (auto& [name, value] : m.metadata)
    if (name != id_header) // the id is message::id
      rd_kafka_header_add(h, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
  return h;
}

message from_record(const rd_kafka_message_t* rec, const std::string& topic) {
  message m;
  m.topic = topic;
  if (rec->payload != nullptr)
    m.payload.assign(static_cast<const char*>(rec->payload), rec->len);
  if (rec->key != nullptr)
    m.key.assign(static_cast<const char*>(rec->key), rec->key_len);
  m.broker = position(rec->partition, rec->offset);
  rd_kafka_headers_t* h = nullptr;
  if (rd_kafka_message_headers(rec, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h != nullptr) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      std::string_view v = value != nullptr ? std::string_view{static_cast<const char*>(value), size} : std::string_view{};
      if (std::string_view{name} == id_header)
        m.id.assign(v);
      else
        m.metadata[name].assign(v); // a repeated header: the last value
    }
  }
  if (m.id.empty()) {
    m.id.reserve(topic.size() + 1 + m.broker.size());
    m.id.append(topic).append(1, ':').append(m.broker);
  }
  rd_kafka_timestamp_type_t type{};
  auto ts = rd_kafka_message_timestamp(rec, &type);
  if (ts >= 0)
    m.published = std::chrono::system_clock::time_point{std::chrono::milliseconds{ts}};
  return m;
}

std::string position(std::int32_t partition, std::int64_t offset) {
  // Once per consumed message: one buffer, no temporaries (fits the short-string buffer for
  // most positions).
  char text[32];                                              // "-2147483648:-9223372036854775808" fits
  auto end = std::to_chars(text, text + 11, partition).ptr; // at most 11 characters
  *end++ = ':';
  end = std::to_chars(end, text + sizeof text, offset).ptr;
  return std::string(text, end);
}

bool parse_position(const std::string& text, std::int32_t& partition, std::int64_t& offset) {
  auto colon = text.find(':');
  if (colon == std::string::npos)
    return false;
  auto a = std::from_chars(text.data(), text.data() + colon, partition);
  auto b = std::from_chars(text.data() + colon + 1, text.data() + text.size(), offset);
  return a.ec == std::errc{} && a.ptr == text.data() + colon && b.ec == std::errc{}
         && b.ptr == text.data() + text.size();
}

} // namespace armada::herald::kafka
