#pragma once

// Signed calls of the SNS query protocol (form-encoded POST /, XML answers) on one HTTP
// connection, the ARN of a topic (CreateTopic, idempotent) cached, and the wiring of a topic to
// an SQS queue. One thread at a time.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "armada/herald/http_client.hpp"
#include "armada/herald/message.hpp"
#include "armada/herald/sqs_client.hpp"

namespace armada::herald::sns {

using params = std::vector<std::pair<std::string, std::string>>;

/// The text of the first `<tag>…</tag>` in `xml` (entities decoded), or empty.
std::string xml_text(const std::string& xml, const std::string& tag, std::size_t from = 0);

/// The inner text of every `<tag>…</tag>` in `xml`.
std::vector<std::string> xml_all(const std::string& xml, const std::string& tag);

/// Reads a PublishBatch answer into `receipts` (one per entry, entry ids are their indexes):
/// the message id of every successful entry; an error naming the topic `arn` and the first
/// failure when any entry failed.
caf::error read_batch_answer(const std::string& xml, const std::string& arn, std::vector<publish_receipt>& receipts);

class api {
public:
  explicit api(const sqs::settings& s);

  /// `Action=<action>&Version=2010-03-31&…` ; the XML answer, or an error naming the action,
  /// the endpoint, SNS's error code and the fix. `failure` (when given) receives the code.
  caf::expected<std::string> call(const std::string& action, const params& p, sqs::api_failure* failure = nullptr);

  /// The ARN of the topic of `topic`, creating it when missing.
  caf::expected<std::string> topic_arn(const std::string& topic);

  /// Subscribes the SQS queue of `queue_topic` to the topic of `topic` (raw delivery); returns
  /// the subscription ARN.
  caf::expected<std::string> wire(const std::string& topic, const std::string& queue_topic);

  void close() { client_.close(); }

  const sqs::settings& config() const { return s_; }

private:
  sqs::settings s_;
  http::client client_;
  std::map<std::string, std::string> arns_;
};

} // namespace armada::herald::sns
