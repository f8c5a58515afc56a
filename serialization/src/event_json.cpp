#include <exception>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"
#include "event_view.hpp"
#include "field_json.hpp"
#include "time_text.hpp"

namespace armada::serialization {

namespace {

using json = nlohmann::ordered_json;

caf::expected<std::string> encode_view_json(const detail::event_view& e,
                                            const custom_registry& reg) {
  json j;
  j["signal"] = std::string{e.signal};
  j["severity"] = std::string{capitan::to_string(e.level)};
  j["timestamp"] = detail::format_time(e.timestamp);
  if (!e.trace_id.empty())
    j["trace_id"] = std::string{e.trace_id};
  if (!e.correlation_id.empty())
    j["correlation_id"] = std::string{e.correlation_id};
  auto fields = json::array();
  for (auto& f : e.fields) {
    auto fj = detail::field_to_json(f, reg);
    if (!fj)
      return with_context("cannot encode event of signal '" + std::string{e.signal} + "' as JSON: ",
                          fj.error());
    fields.push_back(std::move(*fj));
  }
  j["fields"] = std::move(fields);
  try {
    return j.dump();
  } catch (const std::exception& ex) {
    // Name the culprit: dump the parts one by one to find the string that is not UTF-8.
    std::string culprit = "the signal name, trace id or correlation id";
    for (auto& f : j["fields"]) {
      try {
        f.dump();
      } catch (const std::exception&) {
        culprit = "field '" + f["name"].get<std::string>() + "'";
        try {
          f["name"].dump();
        } catch (const std::exception&) {
          culprit = "a field name";
        }
        break;
      }
    }
    return make_error(errc::encode_failed,
                      "cannot encode event of signal '" + std::string{e.signal} + "' as JSON: " +
                          culprit + " holds a string that is not valid UTF-8 (" + ex.what() +
                          "); use a bytes key for binary data, or the Protobuf "
                          "event codec");
  }
}

caf::error bad_json(std::string_view why) {
  return make_error(errc::decode_failed, "cannot decode event from JSON: " + std::string{why} +
                                             "; expected the form written by encode_event_json");
}

} // namespace

caf::expected<std::string> encode_event_json(const capitan::event& e,
                                             const custom_registry& registry) {
  if (!e.valid())
    return detail::invalid_event_error();
  return encode_view_json(detail::view_of(e), registry);
}

caf::expected<std::string> encode_event_json(const decoded_event& e,
                                             const custom_registry& registry) {
  return encode_view_json(detail::view_of(e), registry);
}

caf::expected<decoded_event> decode_event_json(std::string_view text,
                                               const event_decode_options& options) {
  if (text.size() > options.max_size)
    return make_error(errc::too_large,
                      "JSON event of " + std::to_string(text.size()) +
                          " bytes exceeds the limit of " + std::to_string(options.max_size) +
                          " bytes; raise event_decode_options::max_size or send smaller events");
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& ex) {
    return bad_json(text.empty() ? std::string{"the input is empty"} : std::string{ex.what()});
  }
  if (!j.is_object())
    return bad_json("the top level is not an object");
  decoded_event out;
  if (!j.contains("signal") || !j["signal"].is_string() || j["signal"].get<std::string>().empty())
    return bad_json("\"signal\" (a non-empty string) is missing");
  out.signal = j["signal"].get<std::string>();
  auto text_member = [&](const char* name, std::string& into) -> caf::error {
    if (!j.contains(name))
      return {};
    if (!j[name].is_string())
      return bad_json("\"" + std::string{name} + "\" of signal '" + out.signal +
                      "' is not a string");
    into = j[name].get<std::string>();
    return {};
  };
  std::string severity = "info";
  std::string timestamp;
  for (auto [name, into] :
       {std::pair{"severity", &severity}, std::pair{"timestamp", &timestamp},
        std::pair{"trace_id", &out.trace_id}, std::pair{"correlation_id", &out.correlation_id}})
    if (auto err = text_member(name, *into))
      return err;
  if (!capitan::from_string(severity, out.level))
    return bad_json("severity '" + severity + "' of signal '" + out.signal +
                    "' is not debug, info, warn or error");
  if (timestamp.empty()) {
    out.timestamp = std::chrono::system_clock::now();
  } else if (auto t = detail::parse_time(timestamp)) {
    out.timestamp = *t;
  } else {
    return bad_json("timestamp '" + timestamp + "' of signal '" + out.signal +
                    "' is not RFC 3339 UTC such as 2024-05-01T12:00:00.123456789Z");
  }
  if (j.contains("fields")) {
    auto& fields = j["fields"];
    if (!fields.is_array())
      return bad_json("\"fields\" of signal '" + out.signal + "' is not an array");
    auto& reg = options.registry ? *options.registry : default_custom_registry();
    out.fields.reserve(fields.size());
    for (auto& f : fields) {
      auto field = detail::field_from_json(f, reg, options.on_unknown_custom);
      if (!field)
        return with_context("cannot decode event of signal '" + out.signal + "': ", field.error());
      out.fields.push_back(std::move(*field));
    }
  }
  return out;
}

} // namespace armada::serialization
