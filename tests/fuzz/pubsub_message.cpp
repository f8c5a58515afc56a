// Fuzzes what the pubsub provider reads from Pub/Sub: a pull answer's `receivedMessages`, each
// decoded by pubsub::decode (attributes, base64 data, envelopes), as the subscription does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "pubsub_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::herald;
  auto r = nlohmann::json::parse(data, data + size, nullptr, false);
  if (r.is_discarded())
    return 0;
  if (r.contains("receivedMessages") && r["receivedMessages"].is_array())
    for (auto& m : r["receivedMessages"]) {
      auto msg = pubsub::decode(m, "orders");
      if (msg.topic != "orders")
        std::abort();
    }
  return 0;
}
