#include "wire_format.hpp"

#include "armada/herald/errc.hpp"
#include "armada/runtime/uuid.hpp"

namespace armada::herald::io::detail {

std::unique_ptr<wire_format> make_wire_format(const options& opts) {
  return opts.format == format::ndjson ? make_ndjson_format(opts) : make_frame_format(opts);
}

caf::error frame_too_large(const options& opts, std::uint64_t offset, std::size_t size,
                           bool at_least) {
  auto what = opts.format == format::ndjson ? std::string{"line"} : std::string{"frame"};
  return make_error(errc::decode,
                    "io provider: the " + what + " at byte " + std::to_string(offset) + " of " +
                        opts.name + " is " + (at_least ? "at least " : "") + std::to_string(size) +
                        " bytes, over max-frame (" + std::to_string(opts.max_frame) +
                        " bytes); raise max-frame (e.g. ?max-frame=" + std::to_string(size * 2) +
                        ") or publish smaller messages; the stream is not read any further");
}

caf::error message_too_large(const options& opts, const message& m, std::size_t size) {
  return make_error(errc::encode, "io provider: message " + m.id + " on topic '" + m.topic +
                                      "' takes " + std::to_string(size) +
                                      " bytes, over max-frame (" + std::to_string(opts.max_frame) +
                                      " bytes); raise max-frame on both ends or publish smaller "
                                      "messages");
}

std::string fresh_id() {
  return armada::uuid::random().to_string();
}

} // namespace armada::herald::io::detail
