// Fuzzes the parsers of header and attribute values that arrive with a message: W3C
// traceparent, content type (media type) and base64 (bytes fields, payloads on text-only
// transports).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armada/serialization/base64.hpp"
#include "armada/serialization/media_type.hpp"
#include "armada/serialization/traceparent.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::serialization;
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto tp = parse_traceparent(text); tp && tp->version == 0 && !parse_traceparent(tp->to_string()))
    std::abort();
  if (auto mt = parse_media_type(text)) {
    (void) mt->parameter("messagetype");
    (void) check_content_type(text, mt->essence);
  }
  if (auto bytes = base64_decode(text); bytes && base64_decode(base64_encode(*bytes)) != bytes)
    std::abort();
  return 0;
}
