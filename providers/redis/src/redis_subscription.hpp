#pragma once

// One subscription: a consumer (unique name) of a consumer group on the topic's stream, with its
// own hiredis connection (it blocks in XREADGROUP on its own thread).

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "armada/herald/driver.hpp"
#include "armada/herald/redis_client.hpp"

namespace armada::herald::redis {

/// The settings a subscription takes from the provider's properties.
struct subscription_settings {
  std::chrono::milliseconds claim_idle{30000};    ///< pending this long: any consumer of the group may claim it
  std::chrono::milliseconds claim_interval{500};  ///< how often to look for claimable entries
  bool from_oldest = true;                        ///< a new group starts at the first entry ("0"), else at "$"
};

class redis_subscription final : public subscription_driver {
public:
  redis_subscription(endpoint ep, std::string key, std::string topic, std::string group,
                     subscription_settings settings);
  ~redis_subscription() override;

  /// Connects and creates the group (XGROUP CREATE … MKSTREAM) if missing.
  caf::error start();

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  caf::error ack(const message& m) override;
  caf::error ack_batch(const std::vector<message>& ms) override;
  caf::error nack(const message& m, std::chrono::milliseconds delay) override;
  void close() override;
  /// Entries' envelopes are parsed by `decode_batch`, off the thread that reads the stream.
  bool decodes_later() const override { return true; }
  void decode_batch(std::vector<message>& batch) const override;

  const std::string& consumer() const { return consumer_; }

private:
  using clock = std::chrono::steady_clock;

  caf::error ensure_group();
  caf::expected<std::vector<message>> claim(std::size_t max);
  caf::expected<std::vector<message>> read_new(std::size_t max, std::chrono::milliseconds wait);
  caf::error closed_error() const;
  caf::error failed(const std::string& what, const std::string& reply) const;
  void release_pending();

  redis_client client_;
  std::string key_;
  std::string topic_;
  std::string group_;
  std::string consumer_;
  subscription_settings settings_;
  std::mutex mtx_; // fetch, ack, nack and close each hold it (close may come from another thread)
  std::atomic<bool> closed_{false};
  bool group_ready_ = false;
  std::string claim_cursor_ = "0-0";
  clock::time_point next_claim_{}; // the first fetch claims at once (entries a closed subscriber left)
};

} // namespace armada::herald::redis
