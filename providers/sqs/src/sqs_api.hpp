#pragma once

// Signed calls of the SQS JSON protocol on one HTTP connection, and the queue URL of a topic
// (GetQueueUrl, CreateQueue when missing), cached. One thread at a time.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/herald/http_client.hpp"
#include "armada/herald/sigv4.hpp"

namespace armada::herald::sqs {

/// Everything a driver or subscription needs from the URL and properties.
struct settings {
  std::string host{};
  std::uint16_t port = 0;
  std::string region{};
  aws::credentials creds{};
  std::string queue_prefix{};
  bool fifo = false;
  std::chrono::milliseconds visibility{30000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  int max_attempts = 4;
  std::string shown{}; ///< the URL as errors show it (secrets replaced by ***)
};

/// The answer of a failed call: the AWS error type (`QueueDoesNotExist`) and message.
struct api_failure {
  std::string type{};
  std::string text{};
};

class api {
public:
  explicit api(const settings& s);

  /// `AmazonSQS.<action>` with `body`; the parsed answer, or an error naming the action, the
  /// endpoint, the AWS error and the fix. `failure` (when given) receives the AWS error type.
  caf::expected<nlohmann::json> call(const std::string& action, const nlohmann::json& body,
                                     std::chrono::milliseconds extra_wait = std::chrono::milliseconds{0},
                                     api_failure* failure = nullptr);

  /// The queue URL of `topic`, creating the queue when it does not exist.
  caf::expected<std::string> queue_url(const std::string& topic);

  /// Forgets a cached queue URL (the queue was deleted meanwhile).
  void forget(const std::string& topic) { urls_.erase(topic); }

  void close() { client_.close(); }

  const settings& config() const { return s_; }

private:
  settings s_;
  http::client client_;
  std::map<std::string, std::string> urls_;
};

} // namespace armada::herald::sqs
