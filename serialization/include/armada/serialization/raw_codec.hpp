#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <caf/expected.hpp>

#include "armada/serialization/codec.hpp"
#include "armada/serialization/metadata.hpp"

namespace armada::serialization {

/// The payload types raw_codec carries unchanged: `std::string` and `std::vector<std::byte>`.
template <class T>
concept raw_payload = std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<std::byte>>;

/// Carries bytes unchanged (`application/octet-stream`). Encoding and decoding never fail.
/// `decode_checked` accepts any content type: asking for raw bytes means "whatever it is".
template <raw_payload T = std::string> struct raw_codec {
  using value_type = T;

  std::string content_type() const { return std::string{content_types::octet_stream}; }

  bool accepts(std::string_view) const { return true; }

  caf::expected<std::string> encode(const T& value) const {
    if constexpr (std::is_same_v<T, std::string>)
      return value;
    else
      return std::string{reinterpret_cast<const char*>(value.data()), value.size()};
  }

  caf::expected<T> decode(std::string_view bytes) const {
    if constexpr (std::is_same_v<T, std::string>) {
      return std::string{bytes};
    } else {
      auto first = reinterpret_cast<const std::byte*>(bytes.data());
      return T(first, first + bytes.size());
    }
  }
};

} // namespace armada::serialization
