// Fuzzes what the sqs provider reads from SQS (or whatever answers on its endpoint): the JSON
// answer of a call (sqs::detail::read_answer, any status) and, when it has `Messages`, every
// received message (sqs::decode) as the subscription decodes them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "armada/herald/sqs_client.hpp"
#include "armada/herald/sqs_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::herald;
  if (size < 1)
    return 0;
  http::response res;
  res.status = data[0] == 0 ? 200 : 300 + data[0]; // 0: 200, n: 300 + n
  res.headers.emplace_back("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender");
  res.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  sqs::api_failure failure;
  auto got = sqs::detail::read_answer(res, "ReceiveMessage", "127.0.0.1:1", &failure);
  if (!got)
    return 0;
  if (got->contains("Messages") && (*got)["Messages"].is_array())
    for (auto& m : (*got)["Messages"]) {
      auto msg = sqs::decode(m, "orders");
      if (msg.topic != "orders")
        std::abort();
    }
  return 0;
}
