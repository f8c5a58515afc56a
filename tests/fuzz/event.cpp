// Fuzzes decode_event and decode_event_json: a whole capitan event, in Protobuf
// (armada.serialization.v1.Event) or as one JSON line, as a remote node, a broker or an ndjson
// stream delivers it. A decoded event must encode again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "armada/serialization/event_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::serialization;
  std::string_view bytes{reinterpret_cast<const char*>(data), size};
  for (auto policy : {unknown_custom::reject, unknown_custom::keep_opaque}) {
    event_decode_options opts;
    opts.on_unknown_custom = policy;
    if (auto decoded = decode_event(bytes, opts)) {
      (void) encode_event(*decoded);
      (void) make_event(*decoded);
    }
    if (auto decoded = decode_event_json(bytes, opts)) {
      (void) encode_event_json(*decoded);
      (void) make_event(*decoded);
    }
  }
  return 0;
}
