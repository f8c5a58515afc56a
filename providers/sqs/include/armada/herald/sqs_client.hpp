#pragma once

// The sqs provider's building blocks, shared with the sns provider: the settings read from an
// `sqs://` or `sns://` URL, signed calls of the SQS JSON protocol on one HTTP connection with the
// queue URL of a topic (GetQueueUrl, CreateQueue when missing) cached, and a subscription on a
// queue. One thread at a time per `api`.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/herald/driver.hpp"
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

/// The settings of `url` (scheme `scheme`: "sqs" or "sns"; the same properties, see sqs.hpp),
/// validated; errors name `<scheme> provider` and the property. Secrets never appear in errors.
caf::expected<settings> read_settings(std::string_view url, std::string_view scheme);

/// `url` with the values of secret properties replaced by "***".
std::string masked(std::string_view url);

/// The HTTP client options of `s` for `who` ("sqs provider"), with `hint` for connection errors.
http::client_options client_options(const settings& s, const std::string& who, const std::string& hint);

/// A subscription on the queue of `queue_topic` (created if missing); its messages report
/// `topic`. Blocking; call it from the connection actor.
caf::expected<std::unique_ptr<subscription_driver>> subscribe_queue(const settings& s, const std::string& queue_topic,
                                                                      const std::string& topic);

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

namespace detail {

/// The JSON answer `res` of SQS action `action` at `endpoint` as `api::call` returns it: the
/// parsed body of a 200 (an empty body is `{}`), else an error naming the action, the AWS
/// error type and the fix; `failure` (when given) receives the type and message. Never throws.
caf::expected<nlohmann::json> read_answer(const http::response& res, const std::string& action,
                                          const std::string& endpoint, api_failure* failure);

} // namespace detail

} // namespace armada::herald::sqs
