#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace armada::serialization {

/// Base64 of `data` (RFC 4648 section 4: standard alphabet, `=` padding, no line breaks).
/// Used for bytes fields in JSON and binary payloads on text-only transports. Thread-safe.
std::string base64_encode(std::string_view data);

/// Same as `base64_encode(std::string_view)` for a byte span.
std::string base64_encode(std::span<const std::byte> data);

/// The bytes of base64 `text` (standard alphabet, padded to a multiple of 4, no whitespace).
/// Fails with `errc::invalid_base64` naming the first offending position.
caf::expected<std::string> base64_decode(std::string_view text);

/// Same as `base64_decode`, as bytes.
caf::expected<std::vector<std::byte>> base64_decode_bytes(std::string_view text);

} // namespace armada::serialization
