#pragma once

// User types for the codec and custom-field tests.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shop {

/// Has to_json / from_json found by ADL.
struct order {
  std::string id;
  int lines = 0;
  friend bool operator==(const order&, const order&) = default;
};

inline void to_json(nlohmann::json& j, const order& o) {
  j = nlohmann::json{{"id", o.id}, {"lines", o.lines}};
}

inline void from_json(const nlohmann::json& j, order& o) {
  j.at("id").get_to(o.id);
  j.at("lines").get_to(o.lines);
}

/// Serialized through an nlohmann::adl_serializer specialization, as a plain number.
struct cents {
  long long value = 0;
  friend bool operator==(const cents&, const cents&) = default;
};

/// Has no JSON conversion at all.
struct opaque {
  int x = 0;
};

} // namespace shop

template <> struct nlohmann::adl_serializer<shop::cents> {
  static void to_json(json& j, const shop::cents& c) { j = c.value; }
  static shop::cents from_json(const json& j) { return shop::cents{j.get<long long>()}; }
};
