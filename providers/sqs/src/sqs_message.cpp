#include "armada/herald/sqs_message.hpp"

#include <charconv>

#include "armada/herald/errc.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/herald/sigv4.hpp"
#include "armada/serialization/base64.hpp"
#include "armada/herald/envelope_message.hpp"
#include "armada/serialization/envelope.hpp"

namespace armada::herald::sqs {

namespace {

constexpr const char* id_attr = "herald.id";
constexpr const char* key_attr = "herald.key";
constexpr const char* format_attr = "herald.format";
constexpr const char* encoding_attr = "content-transfer-encoding";

bool valid_attribute_name(std::string_view n) {
  if (n.empty() || n.size() > 256 || n.front() == '.' || n.back() == '.' || n.find("..") != std::string_view::npos)
    return false;
  for (unsigned char c : n)
    if (std::isalnum(c) == 0 && c != '_' && c != '-' && c != '.')
      return false;
  auto lower = [&](std::string_view prefix) {
    if (n.size() < prefix.size())
      return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(n[i])) != prefix[i])
        return false;
    return true;
  };
  return !lower("aws.") && !lower("amazon.") && !lower("herald.") && n != encoding_attr;
}

nlohmann::json string_attr(const std::string& v) {
  return {{"DataType", "String"}, {"StringValue", v}};
}

std::uint32_t count_of(const nlohmann::json& attrs, const char* name) {
  if (!attrs.is_object() || !attrs.contains(name) || !attrs[name].is_string())
    return 1;
  auto s = attrs[name].get<std::string>();
  std::uint32_t n = 1;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return std::max<std::uint32_t>(n, 1);
}

} // namespace

bool is_sqs_text(std::string_view text) {
  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  auto* end = p + text.size();
  while (p < end) {
    std::uint32_t cp = *p;
    int extra = 0;
    if (cp < 0x80) {
      extra = 0;
    } else if ((cp & 0xE0) == 0xC0) {
      cp &= 0x1F;
      extra = 1;
    } else if ((cp & 0xF0) == 0xE0) {
      cp &= 0x0F;
      extra = 2;
    } else if ((cp & 0xF8) == 0xF0) {
      cp &= 0x07;
      extra = 3;
    } else {
      return false;
    }
    if (end - p <= extra)
      return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr std::uint32_t min_of[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_of[extra])
      return false; // overlong
    bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                   || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!allowed)
      return false;
    p += extra + 1;
  }
  return true;
}

caf::expected<nlohmann::json> encode(const message& m, bool fifo) {
  nlohmann::json attrs = nlohmann::json::object();
  bool plain_id = !m.id.empty() && is_sqs_text(m.id) && m.id.size() <= 1024;
  bool plain_key = m.key.empty() || (is_sqs_text(m.key) && m.key.size() <= 1024);
  bool fits = plain_id && plain_key
              && 1 + (m.key.empty() ? 0 : 1) + 1 + m.metadata.size() <= max_attributes; // + room for the encoding
  for (auto& [k, v] : m.metadata)
    if (!valid_attribute_name(k) || v.empty() || !is_sqs_text(v))
      fits = false;
  if (plain_id)
    attrs[id_attr] = string_attr(m.id);
  if (!m.key.empty() && plain_key)
    attrs[key_attr] = string_attr(m.key);
  std::string body;
  if (fits) {
    for (auto& [k, v] : m.metadata)
      attrs[k] = string_attr(v);
    if (!m.payload.empty() && is_sqs_text(m.payload)) {
      body = m.payload;
    } else {
      body = serialization::base64_encode(m.payload);
      if (body.empty())
        body = "="; // SQS refuses an empty body; "=" decodes to nothing
      attrs[encoding_attr] = string_attr("base64");
    }
  } else {
    serialization::envelope e;
    e.id = m.id;
    e.key = m.key;
    e.metadata = m.metadata;
    e.payload = m.payload;
    e.topic = m.topic;
    e.publish_time = m.published == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                            : m.published;
    body = serialization::base64_encode(serialization::encode(e));
    attrs[format_attr] = string_attr("envelope");
    attrs[encoding_attr] = string_attr("base64");
  }
  auto size = body.size();
  for (auto& [k, v] : attrs.items())
    size += k.size() + 6 + v["StringValue"].get<std::string>().size();
  if (size > max_message_bytes)
    return make_error(errc::encode, "sqs provider: message " + m.id + " to '" + m.topic + "' is " + std::to_string(size)
                                      + " bytes as an SQS message, over SQS's limit of "
                                      + std::to_string(max_message_bytes)
                                      + "; keep large payloads elsewhere (S3, a database) and send a reference");
  nlohmann::json entry{{"MessageBody", body}, {"MessageAttributes", attrs}};
  if (fifo) {
    auto group = m.key.empty() || !plain_key || m.key.size() > 128 ? std::string{"herald"} : m.key;
    entry["MessageGroupId"] = group;
    entry["MessageDeduplicationId"] = m.id.size() <= 128 && plain_id ? m.id : aws::sha256_hex(m.id);
  }
  return entry;
}

message decode(const nlohmann::json& received, const std::string& topic) {
  message out;
  out.topic = topic;
  out.broker = http::string_field(received, "ReceiptHandle");
  auto sys = received.contains("Attributes") ? received["Attributes"] : nlohmann::json::object();
  out.attempt = count_of(sys, "ApproximateReceiveCount");
  if (sys.is_object() && sys.contains("SentTimestamp") && sys["SentTimestamp"].is_string()) {
    auto s = sys["SentTimestamp"].get<std::string>();
    std::int64_t ms = 0;
    std::from_chars(s.data(), s.data() + s.size(), ms);
    // system_clock counts nanoseconds in an int64 (about the years 1678 to 2261): a time
    // beyond is not SQS's, and reads as unknown.
    constexpr auto max_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::duration::max()).count();
    if (ms < -max_ms || ms > max_ms)
      ms = 0;
    out.published = std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
  }
  std::map<std::string, std::string> attrs;
  if (received.contains("MessageAttributes") && received["MessageAttributes"].is_object())
    for (auto& [k, v] : received["MessageAttributes"].items())
      if (v.is_object() && v.contains("StringValue") && v["StringValue"].is_string())
        attrs[k] = v["StringValue"].get<std::string>();
  auto body = http::string_field(received, "Body");
  auto attr = [&](const char* name) {
    auto i = attrs.find(name);
    return i == attrs.end() ? std::string{} : i->second;
  };
  out.id = attr(id_attr);
  out.key = attr(key_attr);
  if (out.id.empty())
    out.id = http::string_field(received, "MessageId");
  if (out.key.empty() && sys.is_object() && sys.contains("MessageGroupId") && sys["MessageGroupId"].is_string()
      && sys["MessageGroupId"].get<std::string>() != "herald")
    out.key = sys["MessageGroupId"].get<std::string>();
  auto fail = [&](const std::string& why) {
    out.payload = body;
    for (auto& [k, v] : attrs)
      out.metadata[k] = v;
    out.metadata["sqs-decode-error"] = "sqs provider: message " + out.id + " of '" + topic + "': " + why
                                       + "; publish through herald";
    return out;
  };
  if (attr(encoding_attr) == "base64") {
    auto bytes = serialization::base64_decode(body == "=" ? std::string{} : body);
    if (!bytes)
      return fail("the body is not valid base64 although content-transfer-encoding says so");
    body = std::move(*bytes);
  }
  if (attr(format_attr) == "envelope") {
    auto e = serialization::decode_envelope(body);
    if (!e)
      return fail("herald.format is envelope but the body is not an armada envelope");
    take_envelope(std::move(*e), out);
    return out;
  }
  out.payload = std::move(body);
  for (auto& [k, v] : attrs)
    if (k != id_attr && k != key_attr && k != format_attr && k != encoding_attr)
      out.metadata[k] = v;
  return out;
}

} // namespace armada::herald::sqs
