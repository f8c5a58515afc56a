#include "field_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "armada/serialization/base64.hpp"
#include "armada/serialization/errc.hpp"
#include "armada/serialization/json_number.hpp"
#include "armada/serialization/media_type.hpp"
#include "time_text.hpp"

namespace armada::serialization::detail {

namespace {

using json = nlohmann::ordered_json;
using capitan::field_kind;

json number_json(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// The float as the double of its shortest decimal form, so the JSON reads "1.1", not
// "1.100000023841858", while still converting back to exactly the same float.
json float_json(float f) {
  if (!std::isfinite(f))
    return number_json(f);
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, f);
  *res.ptr = '\0';
  double shortest = std::strtod(buf, nullptr);
  return static_cast<float>(shortest) == f ? shortest : static_cast<double>(f);
}

std::optional<field_kind> kind_named(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(field_kind::custom); ++k)
    if (capitan::to_string(static_cast<field_kind>(k)) == name)
      return static_cast<field_kind>(k);
  return std::nullopt;
}

std::optional<double> number_from(const json& v) {
  if (v.is_number())
    return v.get<double>();
  if (v.is_string()) {
    auto& s = v.get_ref<const std::string&>();
    if (s == "NaN")
      return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity")
      return std::numeric_limits<double>::infinity();
    if (s == "-Infinity")
      return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}


} // namespace

caf::expected<json> field_to_json(const capitan::field& f, const custom_registry& registry) {
  json j;
  j["name"] = f.name();
  j["type"] = capitan::to_string(f.kind());
  auto& v = f.value();
  switch (f.kind()) {
  case field_kind::string:
    j["value"] = std::get<std::string>(v);
    break;
  case field_kind::int32:
    j["value"] = std::get<std::int32_t>(v);
    break;
  case field_kind::int64:
    j["value"] = std::to_string(std::get<std::int64_t>(v));
    break;
  case field_kind::uint32:
    j["value"] = std::get<std::uint32_t>(v);
    break;
  case field_kind::uint64:
    j["value"] = std::to_string(std::get<std::uint64_t>(v));
    break;
  case field_kind::float32:
    j["value"] = float_json(std::get<float>(v));
    break;
  case field_kind::float64:
    j["value"] = number_json(std::get<double>(v));
    break;
  case field_kind::boolean:
    j["value"] = std::get<bool>(v);
    break;
  case field_kind::time:
    j["value"] = format_time(std::get<capitan::time_point>(v));
    break;
  case field_kind::duration:
    j["value"] = format_duration(std::get<std::chrono::nanoseconds>(v));
    break;
  case field_kind::bytes:
    j["value"] = base64_encode(std::get<capitan::bytes>(v));
    break;
  case field_kind::error: {
    auto& e = std::get<capitan::error_value>(v);
    j["value"] = json{{"code", e.code}, {"message", e.message}};
    break;
  }
  case field_kind::custom: {
    auto& c = std::get<capitan::custom_value>(v);
    auto encoded = registry.encode(c, f.name());
    if (!encoded)
      return encoded.error();
    j["variant"] = c.variant;
    j["content_type"] = encoded->content_type;
    if (check_content_type(content_types::json, encoded->content_type)) {
      j["value"] = base64_encode(encoded->data);
    } else {
      auto embedded = json::parse(encoded->data, nullptr, false);
      if (embedded.is_discarded())
        return make_error(errc::encode_failed,
                          "cannot encode field '" + f.name() + "' of custom variant '" + c.variant +
                              "': its codec is labelled " + encoded->content_type +
                              " but did not write valid JSON");
      j["value"] = std::move(embedded);
    }
    break;
  }
  }
  return j;
}

caf::expected<capitan::field> field_from_json(const json& j, const custom_registry& registry,
                                              unknown_custom policy) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string())
    return make_error(errc::decode_failed,
                      "event json: a field is not an object with a string \"name\": " +
                          j.dump().substr(0, 120));
  auto name = j["name"].get<std::string>();
  auto type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
  auto kind = kind_named(type);
  auto fail = [&](std::string_view expected) {
    return make_error(errc::decode_failed,
                      "event json: field '" + name + "' (" + type + "): expected " +
                          std::string{expected} + ", got " +
                          (j.contains("value") ? j["value"].dump().substr(0, 120) : "no value"));
  };
  if (!kind)
    return make_error(errc::decode_failed,
                      "event json: field '" + name + "' has unknown type '" + type +
                          "'; expected string, int32, int64, uint32, uint64, float32, float64, "
                          "bool, time, duration, bytes, error or custom");
  if (!j.contains("value"))
    return fail("a \"value\"");
  auto& v = j["value"];
  auto make = [&]<class T>(T value) {
    return capitan::field{name, capitan::field_value{std::in_place_type<T>, std::move(value)}};
  };
  switch (*kind) {
  case field_kind::string:
    if (v.is_string())
      return make(v.get<std::string>());
    return fail("a string");
  case field_kind::int32:
    if (auto i = integer_from<std::int32_t>(v, true))
      return make(*i);
    return fail("an integer from -2147483648 to 2147483647");
  case field_kind::int64:
    if (auto i = integer_from<std::int64_t>(v, true))
      return make(*i);
    return fail("a 64-bit signed integer as a decimal string");
  case field_kind::uint32:
    if (auto i = integer_from<std::uint32_t>(v, true))
      return make(*i);
    return fail("an integer from 0 to 4294967295");
  case field_kind::uint64:
    if (auto i = integer_from<std::uint64_t>(v, true))
      return make(*i);
    return fail("a 64-bit unsigned integer as a decimal string");
  case field_kind::float32:
    // below 2^128 - 2^103, a double rounds to a finite float (at most FLT_MAX)
    if (auto d = number_from(v); d && (!std::isfinite(*d) || std::abs(*d) < 0x1.ffffffp+127))
      return make(static_cast<float>(*d));
    return fail("a number in float range, \"NaN\", \"Infinity\" or \"-Infinity\"");
  case field_kind::float64:
    if (auto d = number_from(v))
      return make(*d);
    return fail("a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
  case field_kind::boolean:
    if (v.is_boolean())
      return make(v.get<bool>());
    return fail("true or false");
  case field_kind::time:
    if (auto t = v.is_string() ? parse_time(v.get_ref<const std::string&>()) : std::nullopt)
      return make(*t);
    return fail("an RFC 3339 UTC time such as \"2024-05-01T12:00:00.123456789Z\"");
  case field_kind::duration:
    if (auto d = v.is_string() ? parse_duration(v.get_ref<const std::string&>()) : std::nullopt)
      return make(*d);
    return fail("seconds such as \"-1.5s\" (at most 9 fractional digits)");
  case field_kind::bytes: {
    if (!v.is_string())
      return fail("a base64 string");
    auto b = base64_decode_bytes(v.get_ref<const std::string&>());
    if (!b)
      return with_context("event json: field '" + name + "' (bytes): ", b.error());
    return make(std::move(*b));
  }
  case field_kind::error: {
    auto text = [&](const char* member) -> std::optional<std::string> {
      if (!v.contains(member))
        return std::string{};
      if (!v[member].is_string())
        return std::nullopt;
      return v[member].get<std::string>();
    };
    auto code = v.is_object() ? text("code") : std::nullopt;
    auto message = v.is_object() ? text("message") : std::nullopt;
    if (code && message)
      return make(capitan::error_value{std::move(*code), std::move(*message)});
    return fail("an object {\"code\": string, \"message\": string}");
  }
  case field_kind::custom: {
    if (!j.contains("variant") || !j["variant"].is_string())
      return fail("a string \"variant\" next to the value");
    auto variant = j["variant"].get<std::string>();
    auto ct = j.contains("content_type") && j["content_type"].is_string()
                  ? j["content_type"].get<std::string>()
                  : std::string{content_types::json};
    std::string data;
    if (!check_content_type(content_types::json, ct)) {
      data = v.dump();
    } else {
      if (!v.is_string())
        return fail("base64 text for a non-JSON content type");
      auto decoded = base64_decode(v.get_ref<const std::string&>());
      if (!decoded)
        return with_context("event json: field '" + name + "' (custom): ", decoded.error());
      data = std::move(*decoded);
    }
    auto value = registry.decode(variant, ct, data, name, policy);
    if (!value)
      return value.error();
    return make(std::move(*value));
  }
  }
  return fail("a known type");
}

} // namespace armada::serialization::detail
