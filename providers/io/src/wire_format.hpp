#pragma once

// How messages look on an io stream: length-prefixed Protobuf envelopes (frames) or one JSON
// object per line (ndjson). A format encodes one message into the bytes of one write and finds
// the next complete message at the start of a read buffer.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/herald/io.hpp"
#include "armada/herald/message.hpp"

namespace armada::herald::io::detail {

/// The outcome of looking for one message at the start of a buffer.
struct decoded {
  enum class status { message, skip, need_more, failed };
  status what = status::need_more;
  herald::message msg{};    ///< for `message`; `broker` holds the stream offset
  std::size_t consumed = 0; ///< bytes of the buffer this message (or skipped line) took
  std::size_t scanned = 0;  ///< for `need_more`: bytes known not to complete a message yet
  caf::error error{};       ///< for `failed`: names the offset, what is wrong and the fix
};

class wire_format {
public:
  virtual ~wire_format() = default;

  /// The bytes of `m` on the stream (one write). A message that cannot be written in this
  /// format, or is over max-frame, is `errc::encode`.
  virtual caf::expected<std::string> encode(const message& m) const = 0;

  /// The message at the start of `bytes`, which begin at stream offset `offset`; `scanned`
  /// is what an earlier `need_more` on the same bytes reported (0 when unknown).
  virtual decoded decode(std::string_view bytes, std::uint64_t offset,
                         std::size_t scanned) const = 0;
};

/// The format of `opts` (its max-frame, default topic and name).
std::unique_ptr<wire_format> make_wire_format(const options& opts);

/// Frames: 4-byte big-endian length + `serialization::envelope`.
std::unique_ptr<wire_format> make_frame_format(const options& opts);

/// ndjson: one JSON object per line.
std::unique_ptr<wire_format> make_ndjson_format(const options& opts);

/// The error for a frame or line of `size` bytes (or more) at `offset`, over `max_frame`.
caf::error frame_too_large(const options& opts, std::uint64_t offset, std::size_t size,
                           bool at_least);

/// The error for a message (to publish) that would take `size` bytes, over `max_frame`.
caf::error message_too_large(const options& opts, const message& m, std::size_t size);

/// A fresh message id (a UUID) for a message read without one.
std::string fresh_id();

} // namespace armada::herald::io::detail
