// Fuzzes what the firestore provider reads from Firestore: the documents of a `:runQuery`
// answer (firestore::documents_of) and the update time of a `:commit` answer.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "firestore_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::herald;
  auto r = nlohmann::json::parse(data, data + size, nullptr, false);
  if (r.is_discarded())
    return 0;
  (void) firestore::documents_of(r);
  (void) firestore::update_time_of(r);
  return 0;
}
