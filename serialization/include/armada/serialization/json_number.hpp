#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace armada::serialization {

/// The integer `v` holds as `T`, or nullopt when `v` is not an integer within T's range.
///
/// nlohmann's own `get<T>()` converts a JSON float (1e300) with a plain cast, undefined when out
/// of range, and wraps out-of-range integers; every reader of bytes from outside the process uses
/// this instead. With `allow_text`, a 64-bit `T` may also be written as a decimal string (the
/// form JSON uses for integers beyond 2^53, e.g. Firestore's integerValue). Works for
/// `nlohmann::json` and `nlohmann::ordered_json`.
template <std::integral T, class Json>
std::optional<T> integer_from(const Json& v, bool allow_text = false) {
  if (v.is_number_unsigned()) {
    auto u = v.template get<std::uint64_t>();
    if (std::in_range<T>(u))
      return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    auto i = v.template get<std::int64_t>();
    if (std::in_range<T>(i))
      return static_cast<T>(i);
  } else if (allow_text && v.is_string() && sizeof(T) == 8) {
    const auto& s = v.template get_ref<const std::string&>();
    T out{};
    auto res = std::from_chars(s.data(), s.data() + s.size(), out);
    if (res.ec == std::errc{} && res.ptr == s.data() + s.size())
      return out;
  }
  return std::nullopt;
}

/// The integer member `name` of object `j` as `T`; throws std::out_of_range naming the member
/// when it is missing, not an integer or beyond T's range.
template <std::integral T, class Json> T integer_at(const Json& j, std::string_view name) {
  auto it = j.find(name);
  if (it == j.end())
    throw std::out_of_range("member '" + std::string{name} + "' is missing");
  if (auto n = integer_from<T>(*it))
    return *n;
  throw std::out_of_range("member '" + std::string{name} + "' is not an integer from "
                          + std::to_string(std::numeric_limits<T>::min()) + " to "
                          + std::to_string(std::numeric_limits<T>::max()));
}

} // namespace armada::serialization
