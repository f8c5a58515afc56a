#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace armada::serialization {

/// A message framed for transports without headers (io, embedded, and any provider that needs
/// it): everything herald's message carries, so nothing is lost on the way. Wire format:
/// `armada.serialization.v1.Envelope` (proto/envelope.proto). All strings are binary-safe.
struct envelope {
  /// Message id (a UUID made by the publisher unless set).
  std::string id;
  /// Ordering / partition key; empty: none.
  std::string key;
  /// Metadata, including the reserved names of metadata.hpp.
  std::map<std::string, std::string> metadata;
  /// The encoded message; may hold any bytes, including NULs.
  std::string payload;
  /// When the message was published (nanosecond precision survives).
  std::chrono::system_clock::time_point publish_time{};
  /// 1 for the first delivery; 0 when not delivered yet.
  std::uint32_t delivery_attempt = 0;
  /// The topic it was published to.
  std::string topic;

  friend bool operator==(const envelope&, const envelope&) = default;
};

/// The largest envelope `decode_envelope` accepts unless told otherwise: 64 MiB.
inline constexpr std::size_t default_max_envelope_size = std::size_t{64} << 20;

/// The wire bytes of `e`. Never fails for an envelope under Protobuf's 2 GiB limit; a larger
/// one encodes to an empty string, which `decode_envelope` rejects. Thread-safe.
std::string encode(const envelope& e);

/// The envelope in `bytes`. Empty input, garbage, a truncated frame or one written by a newer
/// format fail with `errc::decode_failed`; input over `max_size` bytes fails with
/// `errc::too_large` before parsing. Never throws. Thread-safe.
caf::expected<envelope> decode_envelope(std::string_view bytes,
                                        std::size_t max_size = default_max_envelope_size);

} // namespace armada::serialization
