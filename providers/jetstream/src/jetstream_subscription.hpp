#pragma once

// A subscription of the jetstream provider: a pull subscription bound to a durable consumer.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nats/nats.h>

#include "armada/herald/driver.hpp"
#include "armada/herald/nats/client.hpp"

namespace armada::herald::jetstream {

/// Fetches with natsSubscription_Fetch, one message per call (bounded by `wait`), acks with Ack,
/// nacks with NakWithDelay; close naks what it holds, so another subscriber of the group gets it
/// at once.
class jetstream_subscription final : public subscription_driver {
public:
  jetstream_subscription(std::shared_ptr<nats::client> c, natsSubscription* sub, std::string topic);
  ~jetstream_subscription() override;

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  caf::error ack(const message& m) override;
  caf::error ack_batch(const std::vector<message>& ms) override;
  caf::error nack(const message& m, std::chrono::milliseconds delay) override;
  void close() override;

private:
  caf::error closed_error() const;
  /// Moves the messages of `list` into `held_` and appends them to `out`; destroys `list`.
  void keep(natsMsgList& list, std::vector<message>& out);
  /// The held NATS message for `m` (by its broker position), removed from `held_`.
  nats::msg_ptr take(const message& m);

  std::shared_ptr<nats::client> client_;
  natsSubscription* sub_;
  std::string topic_;
  std::mutex mtx_;
  std::map<std::string, nats::msg_ptr> held_; // fetched, not yet acked / nacked; by broker position
  std::map<std::string, std::uint32_t> nacked_; // attempt of each message nacked and not seen since
  std::atomic<bool> closed_{false};
};

} // namespace armada::herald::jetstream
