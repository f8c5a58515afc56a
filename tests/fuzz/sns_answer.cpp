// Fuzzes what the sns provider reads from SNS's XML answers: error codes and messages, topic
// and subscription ARNs (sns::xml_text) and PublishBatch results (sns::read_batch_answer).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sns_api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::herald;
  std::string xml{reinterpret_cast<const char*>(data), size};
  for (const char* tag : {"Code", "Message", "TopicArn", "SubscriptionArn", "MessageId"})
    (void) sns::xml_text(xml, tag);
  std::vector<publish_receipt> receipts(3);
  (void) sns::read_batch_answer(xml, "arn:aws:sns:us-east-1:123456789012:orders", receipts);
  return 0;
}
