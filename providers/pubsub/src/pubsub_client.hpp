#pragma once

// The REST calls of the pubsub provider on one HTTP connection, the names of topics and
// subscriptions, and how a herald message travels as a Pub/Sub message. One thread at a time.

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/herald/http_client.hpp"
#include "armada/herald/message.hpp"

namespace armada::herald::pubsub {

struct settings {
  std::string host{};
  std::uint16_t port = 0;
  std::string project{};
  std::int64_t ack_deadline_s = 30;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  int max_attempts = 4;
  std::string shown{};
};

/// A valid Pub/Sub resource id for `name` (characters outside [A-Za-z0-9-_.~+] become '-', a
/// name not starting with a letter gets "h-" in front); an error beyond 255 characters.
caf::expected<std::string> resource_id(const std::string& name);

class api {
public:
  explicit api(const settings& s);

  /// `method` on `/v1/projects/<project>/<path>` with `body`; the parsed answer, or an error
  /// naming the call, the endpoint and the status. `status` (when given) receives the status.
  caf::expected<nlohmann::json> call(const std::string& method, const std::string& path, const nlohmann::json& body,
                                     int* status = nullptr);

  /// Creates topic `id` when missing (once per api).
  caf::error ensure_topic(const std::string& id);

  /// Creates subscription `sub` of topic `topic` when missing.
  caf::error ensure_subscription(const std::string& sub, const std::string& topic);

  void close() { client_.close(); }
  const settings& config() const { return s_; }

private:
  settings s_;
  http::client client_;
  std::set<std::string> topics_;
};

/// The `PubsubMessage` of `m` (`data` base64, attributes `herald.id`, `herald.key` and the
/// metadata, `orderingKey` = key). Metadata that is not valid UTF-8 goes in an envelope in
/// `data` (attribute `herald.format: envelope`) so nothing is lost.
nlohmann::json encode(const message& m);

/// The herald message of one `receivedMessage` (broker = ack id).
message decode(const nlohmann::json& received, const std::string& topic);

} // namespace armada::herald::pubsub
