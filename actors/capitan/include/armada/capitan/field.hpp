#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <variant>
#include <vector>

namespace armada::capitan {

class event;

/// The value of an `error` field: a machine-readable code and a human message.
struct error_value {
  std::string code;
  std::string message;
  friend bool operator==(const error_value&, const error_value&) = default;
};

/// The value of a field whose key is a user type. `variant` names the type (e.g.
/// `"shop.Order"`) so codecs in `serialization/` can encode it across processes.
struct custom_value {
  std::string variant;
  std::shared_ptr<const void> value;
  const std::type_info* type = nullptr;
};

using bytes = std::vector<std::byte>;
using time_point = std::chrono::system_clock::time_point;

/// The variant tag of a field; the names are the wire names of the key variants.
enum class field_kind : std::uint8_t {
  string, int32, int64, uint32, uint64, float32, float64, boolean, time, duration, bytes, error,
  custom
};

/// "string", "int32", … "custom".
std::string_view to_string(field_kind k);

using field_value = std::variant<std::string, std::int32_t, std::int64_t, std::uint32_t,
                                 std::uint64_t, float, double, bool, time_point,
                                 std::chrono::nanoseconds, bytes, error_value, custom_value>;

/// One named, typed value of an event. Make fields with `key<T>`.
class field {
public:
  field(std::string name, field_value value) : name_(std::move(name)), value_(std::move(value)) {}

  const std::string& name() const { return name_; }
  const field_value& value() const { return value_; }
  field_kind kind() const { return static_cast<field_kind>(value_.index()); }

  /// The variant name: the kind's name, or the custom type's variant (e.g. "shop.Order").
  std::string_view variant() const;

private:
  std::string name_;
  field_value value_;
};

namespace detail {

template <class T>
constexpr int builtin_index() {
  if constexpr (std::is_same_v<T, std::string>) return 0;
  else if constexpr (std::is_same_v<T, std::int32_t>) return 1;
  else if constexpr (std::is_same_v<T, std::int64_t>) return 2;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return 3;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return 4;
  else if constexpr (std::is_same_v<T, float>) return 5;
  else if constexpr (std::is_same_v<T, double>) return 6;
  else if constexpr (std::is_same_v<T, bool>) return 7;
  else if constexpr (std::is_same_v<T, time_point>) return 8;
  else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) return 9;
  else if constexpr (std::is_same_v<T, bytes>) return 10;
  else if constexpr (std::is_same_v<T, error_value>) return 11;
  else return -1;
}

const field* find_field(const event& e, std::string_view name);

} // namespace detail

/// True for the types with a built-in key variant.
template <class T>
inline constexpr bool is_builtin_field_type = detail::builtin_index<T>() >= 0;

/// A typed field name. `key<T>` exists for every built-in variant (std::string, the fixed-width
/// integers, float, double, bool, time_point, nanoseconds, bytes, error_value) and for any
/// user type, which then needs a variant name: `key<Order>{"order", "shop.Order"}`.
/// Thread-safe; define keys as constants next to the signals that use them.
template <class T>
class key {
public:
  /// A key of a built-in variant.
  explicit key(std::string name) requires is_builtin_field_type<T> : name_(std::move(name)) {}

  /// A key of a user type named `variant` (e.g. "shop.Order").
  key(std::string name, std::string variant) requires(!is_builtin_field_type<T>)
    : name_(std::move(name)), variant_(std::move(variant)) {
  }

  const std::string& name() const { return name_; }

  field_kind kind() const {
    if constexpr (is_builtin_field_type<T>)
      return static_cast<field_kind>(detail::builtin_index<T>());
    else
      return field_kind::custom;
  }

  /// The variant name: "string", "int64", …, or the user type's variant.
  std::string_view variant() const {
    if constexpr (is_builtin_field_type<T>)
      return to_string(kind());
    else
      return variant_;
  }

  /// Makes a field of this key.
  capitan::field field(T value) const {
    if constexpr (is_builtin_field_type<T>)
      return capitan::field{name_, field_value{std::in_place_index<detail::builtin_index<T>()>,
                                               std::move(value)}};
    else
      return capitan::field{name_, custom_value{variant_, std::make_shared<const T>(std::move(value)),
                                                &typeid(T)}};
  }

  /// Same as `field(value)`.
  capitan::field operator()(T value) const { return field(std::move(value)); }

  /// The value of this key in `e`; empty when the event has no such field or the field holds
  /// another type.
  std::optional<T> from(const event& e) const {
    auto f = detail::find_field(e, name_);
    if (f == nullptr)
      return std::nullopt;
    if constexpr (is_builtin_field_type<T>) {
      if (auto p = std::get_if<detail::builtin_index<T>()>(&f->value()))
        return *p;
      return std::nullopt;
    } else {
      auto p = std::get_if<custom_value>(&f->value());
      if (p == nullptr || p->type == nullptr || *p->type != typeid(T) || p->variant != variant_)
        return std::nullopt;
      return *static_cast<const T*>(p->value.get());
    }
  }

private:
  std::string name_;
  std::string variant_;
};

} // namespace armada::capitan
