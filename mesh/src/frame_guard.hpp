#pragma once

// Private: CAF 0.17's BASP trusts the payload length of a frame header and allocates it before
// reading (a 32-byte header announcing 2 GiB costs 2 GiB of memory). The frame guard listens on
// the node's public port, relays every connection to the node actor's BASP port on 127.0.0.1,
// and closes a connection whose frames are not BASP frames or announce more than the limit.

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

namespace armada::aegis::detail {

/// Checks the frames of one byte stream: 32-byte BASP headers (operation 0–6, big-endian
/// payload length at offset 4) and their payloads.
class frame_parser {
public:
  explicit frame_parser(std::size_t max_frame = 0) : max_frame_(max_frame) {}
  /// Feeds the next bytes; a non-empty text names what was wrong (the stream must be closed).
  std::string feed(const char* data, std::size_t size);
  /// Frame headers read so far.
  std::uint64_t frames() const { return frames_; }

private:
  std::size_t max_frame_;
  unsigned char header_[32] = {};
  std::size_t header_have_ = 0;
  std::uint64_t payload_left_ = 0;
  std::uint64_t frames_ = 0;
};

/// Spawns the guard broker relaying `host:port` (0: pick one) to 127.0.0.1:`basp_port`; returns
/// the broker and the public port. A connection that has not sent its first frame header
/// within `first_frame` (a half handshake, then silence) is closed. Stop the broker with an
/// exit message before the system ends.
caf::expected<std::pair<caf::actor, std::uint16_t>>
spawn_frame_guard(caf::actor_system& sys, const std::string& host, std::uint16_t port,
                  std::uint16_t basp_port, std::size_t max_frame, caf::timespan first_frame);

} // namespace armada::aegis::detail
