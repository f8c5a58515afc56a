#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace armada {

/// A random (version 4, RFC 9562) UUID. Value type; compares and hashes by its 16 bytes.
class uuid {
public:
  /// The nil UUID (all zero).
  constexpr uuid() = default;

  /// A fresh random UUIDv4 from a per-thread generator seeded by std::random_device.
  static uuid random();

  /// Parses the canonical 36-character form (`8-4-4-4-12` hex digits, any case); an empty
  /// optional when `text` is not a UUID.
  static std::optional<uuid> parse(std::string_view text);

  /// The canonical lowercase 36-character form.
  std::string to_string() const;

  bool is_nil() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  int version() const { return bytes_[6] >> 4; }

  friend bool operator==(const uuid&, const uuid&) = default;
  friend auto operator<=>(const uuid&, const uuid&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, uuid& x) {
    return f(x.bytes_);
  }

private:
  std::array<std::uint8_t, 16> bytes_{};
};

} // namespace armada

template <>
struct std::hash<armada::uuid> {
  std::size_t operator()(const armada::uuid& x) const noexcept;
};
