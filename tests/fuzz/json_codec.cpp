// Fuzzes json_codec<T>::decode, the default codec of payloads and of the mesh's remote call
// arguments and results, on a struct with the usual member types.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armada/serialization/json_codec.hpp"

namespace {

struct order {
  std::string id;
  std::int64_t quantity = 0;
  double price = 0;
  std::vector<std::string> items;
  std::map<std::string, std::uint32_t> stock;
  bool paid = false;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, quantity, price, items, stock, paid)

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  armada::serialization::json_codec<order> codec;
  if (auto decoded = codec.decode(text))
    (void) codec.encode(*decoded);
  (void) armada::serialization::json_codec<std::vector<std::int32_t>>{}.decode(text);
  return 0;
}
