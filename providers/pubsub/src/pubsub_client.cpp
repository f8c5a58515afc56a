#include "pubsub_client.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "armada/herald/errc.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/serialization/base64.hpp"
#include "armada/serialization/json_number.hpp"
#include "armada/herald/envelope_message.hpp"
#include "armada/serialization/envelope.hpp"

namespace armada::herald::pubsub {

namespace {

constexpr const char* id_attr = "herald.id";
constexpr const char* key_attr = "herald.key";
constexpr const char* format_attr = "herald.format";

bool utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

} // namespace

caf::expected<std::string> resource_id(const std::string& name) {
  std::string id = name;
  for (auto& c : id)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.' && c != '~' && c != '+')
      c = '-';
  if (id.empty() || std::isalpha(static_cast<unsigned char>(id.front())) == 0 || id.rfind("goog", 0) == 0)
    id = "h-" + id;
  if (id.size() < 3)
    id += "---";
  if (id.size() > 255)
    return make_error(errc::config, "pubsub provider: the name '" + name + "' is longer than Pub/Sub's 255 characters");
  return id;
}

api::api(const settings& s)
  : s_(s), client_([&] {
      http::client_options o;
      o.who = "pubsub provider";
      o.host = s.host;
      o.port = s.port;
      o.hint = "is the Pub/Sub emulator listening there? see scripts/servers";
      o.connect_timeout = s.connect_timeout;
      o.request_timeout = s.request_timeout;
      o.max_attempts = s.max_attempts;
      return o;
    }()) {}

caf::expected<nlohmann::json> api::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                                        int* status) {
  return http::json_call(client_, "pubsub provider", method, "/v1/projects/" + s_.project + "/" + path, body, status);
}

caf::error api::ensure_topic(const std::string& id) {
  if (topics_.count(id) != 0)
    return caf::none;
  int status = 0;
  auto r = call("PUT", "topics/" + id, nlohmann::json::object(), &status);
  if (!r && status != 409) // 409: it exists
    return r.error();
  topics_.insert(id);
  return caf::none;
}

caf::error api::ensure_subscription(const std::string& sub, const std::string& topic) {
  if (auto err = ensure_topic(topic))
    return err;
  int status = 0;
  auto r = call("PUT", "subscriptions/" + sub,
                {{"topic", "projects/" + s_.project + "/topics/" + topic},
                 {"ackDeadlineSeconds", s_.ack_deadline_s},
                 {"enableMessageOrdering", true}},
                &status);
  if (!r && status != 409)
    return r.error();
  return caf::none;
}

nlohmann::json encode(const message& m) {
  nlohmann::json attrs = nlohmann::json::object();
  bool plain = utf8(m.id) && utf8(m.key) && m.metadata.size() <= 90;
  for (auto& [k, v] : m.metadata)
    if (!utf8(k) || !utf8(v) || k.empty() || k.size() > 256 || v.size() > 1024 || k.rfind("herald.", 0) == 0
        || k.rfind("goog", 0) == 0)
      plain = false;
  nlohmann::json out;
  if (plain) {
    for (auto& [k, v] : m.metadata)
      attrs[k] = v;
    attrs[id_attr] = m.id;
    if (!m.key.empty())
      attrs[key_attr] = m.key;
    out["data"] = serialization::base64_encode(m.payload);
  } else {
    serialization::envelope e;
    e.id = m.id;
    e.key = m.key;
    e.metadata = m.metadata;
    e.payload = m.payload;
    e.topic = m.topic;
    e.publish_time = m.published == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                            : m.published;
    attrs[format_attr] = "envelope";
    if (utf8(m.id))
      attrs[id_attr] = m.id;
    out["data"] = serialization::base64_encode(serialization::encode(e));
  }
  out["attributes"] = attrs;
  if (!m.key.empty() && utf8(m.key))
    out["orderingKey"] = m.key;
  return out;
}

message decode(const nlohmann::json& received, const std::string& topic) {
  message out;
  out.topic = topic;
  out.broker = http::string_field(received, "ackId");
  // An attempt that is not a count from 1 to 2^32 - 1 (a float, negative, huge) reads as 1.
  if (received.contains("deliveryAttempt"))
    out.attempt = std::max<std::uint32_t>(
        1, serialization::integer_from<std::uint32_t>(received["deliveryAttempt"]).value_or(1));
  auto msg = received.contains("message") ? received["message"] : nlohmann::json::object();
  std::map<std::string, std::string> attrs;
  if (msg.contains("attributes") && msg["attributes"].is_object())
    for (auto& [k, v] : msg["attributes"].items())
      if (v.is_string())
        attrs[k] = v.get<std::string>();
  auto take = [&](const char* name) {
    auto i = attrs.find(name);
    std::string v = i == attrs.end() ? std::string{} : i->second;
    if (i != attrs.end())
      attrs.erase(i);
    return v;
  };
  out.id = take(id_attr);
  out.key = take(key_attr);
  auto format = take(format_attr);
  if (out.id.empty())
    out.id = http::string_field(msg, "messageId");
  if (out.key.empty())
    out.key = http::string_field(msg, "orderingKey");
  out.published = std::chrono::system_clock::now();
  auto data = serialization::base64_decode(http::string_field(msg, "data"));
  if (!data) {
    out.metadata = attrs;
    out.metadata["pubsub-decode-error"] = "pubsub provider: message " + out.id + " of '" + topic
                                          + "': data is not valid base64";
    return out;
  }
  if (format == "envelope") {
    auto e = serialization::decode_envelope(*data);
    if (e) {
      take_envelope(std::move(*e), out);
      return out;
    }
    attrs["pubsub-decode-error"] = "pubsub provider: message " + out.id + " of '" + topic
                                   + "': herald.format is envelope but data is not an armada envelope";
  }
  out.payload = std::move(*data);
  out.metadata = std::move(attrs);
  return out;
}

} // namespace armada::herald::pubsub
