// Fuzzes decode_envelope: the Protobuf envelope that io, embedded and the cloud providers read
// from the broker. A decoded envelope must re-encode to bytes that decode to the same envelope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armada/serialization/envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::serialization;
  auto decoded = decode_envelope({reinterpret_cast<const char*>(data), size});
  if (!decoded)
    return 0;
  auto again = decode_envelope(encode(*decoded));
  if (!again || *again != *decoded)
    std::abort();
  return 0;
}
