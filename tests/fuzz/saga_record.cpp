// Fuzzes what a saga store reads back: the JSON saga record (every store, `armada inspect`)
// and the embedded store's lease value. A record that decodes must survive a round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armada/ago/record.hpp"
#include "lease.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::ago;
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto r = record_from_json(text)) {
    auto again = record_from_json(to_json(*r));
    if (!again || to_json(*again) != to_json(*r))
      std::abort();
  }
  auto lease = detail::decode_lease(text);
  auto back = detail::decode_lease(detail::encode_lease(lease.lease_ms, lease.owner));
  if (back.lease_ms != lease.lease_ms || back.owner != lease.owner)
    std::abort();
  return 0;
}
