#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/serialization/codec.hpp"
#include "armada/serialization/errc.hpp"
#include "armada/serialization/metadata.hpp"
#include "armada/serialization/type_name.hpp"

namespace armada::serialization {

/// Types nlohmann-json can write and read: they have `to_json` / `from_json` found by ADL, or
/// an `nlohmann::adl_serializer` specialization (or are built-in JSON types).
template <class T>
concept json_convertible = requires(nlohmann::json& j, const T& value) {
  j = value;
  { j.template get<T>() } -> std::same_as<T>;
};

/// Encodes `T` as JSON text (`application/json`) with nlohmann-json. Exceptions of nlohmann
/// or of the user's `to_json` / `from_json` are caught and returned as errors.
template <json_convertible T> struct json_codec {
  using value_type = T;

  std::string content_type() const { return std::string{content_types::json}; }

  /// The compact JSON text of `value`; `errc::encode_failed` when `to_json` throws or a string
  /// is not valid UTF-8.
  caf::expected<std::string> encode(const T& value) const {
    try {
      nlohmann::json j = value;
      return j.dump();
    } catch (const std::exception& ex) {
      return make_error(errc::encode_failed, "json codec: cannot encode " + type_name<T>() + ": " +
                                                 ex.what() +
                                                 "; strings must be UTF-8 (use a bytes field "
                                                 "or raw_codec for binary data)");
    } catch (...) {
      return make_error(errc::encode_failed,
                        "json codec: to_json of " + type_name<T>() + " threw a non-std exception");
    }
  }

  /// The value read from JSON `text`; `errc::decode_failed` naming the type and nlohmann's
  /// reason when the text is not JSON or not the shape `from_json` expects.
  caf::expected<T> decode(std::string_view text) const {
    try {
      return nlohmann::json::parse(text).template get<T>();
    } catch (const std::exception& ex) {
      return make_error(errc::decode_failed, "json codec: cannot decode " + type_name<T>() +
                                                 " from " + std::to_string(text.size()) +
                                                 " bytes: " + ex.what() +
                                                 "; check that the publisher wrote this type");
    } catch (...) {
      return make_error(errc::decode_failed, "json codec: from_json of " + type_name<T>() +
                                                 " threw a non-std exception");
    }
  }
};

} // namespace armada::serialization
