// Fuzzes what the embedded provider reads back from its LMDB file (which another process, an
// older version or a damaged disk may have written): log records (envelopes) and the fixed-size
// topic, group and lease records. The first byte picks the kind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "embedded_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::herald::embedded;
  if (size < 1)
    return 0;
  std::string bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  switch (data[0] % 4) {
    case 0: {
      group_handle g{"orders", "billing", 1, 2};
      auto m = to_message(g, 7, bytes, 1);
      if (m.id.empty() && m.metadata.count("embedded-decode-error") != 0)
        std::abort(); // an undecodable record must still be told apart by its id
      break;
    }
    case 1:
      (void) from_bytes<topic_record>(bytes);
      break;
    case 2:
      (void) from_bytes<group_record>(bytes);
      break;
    default:
      (void) from_bytes<lease_record>(bytes);
      break;
  }
  return 0;
}
