#pragma once

// One subscription: ReceiveMessage on the topic's queue with its own HTTP connection, the
// receipt handles of the messages it holds, and a lease keeper (with a connection of its own)
// that extends their visibility while handlers are slow.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "armada/herald/driver.hpp"
#include "armada/herald/lease_keeper.hpp"
#include "armada/herald/sqs_client.hpp"

namespace armada::herald::sqs {

class subscription final : public subscription_driver {
public:
  /// Reads the queue of `queue_topic`; its messages report `topic`.
  subscription(const settings& s, std::string queue_topic, std::string topic);
  ~subscription() override;

  /// Resolves (or creates) the queue and starts the visibility keeper.
  caf::error start();

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  caf::error ack(const message& m) override;
  caf::error ack_batch(const std::vector<message>& ms) override;
  caf::error nack(const message& m, std::chrono::milliseconds delay) override;
  void close() override;

private:
  using clock = std::chrono::steady_clock;

  caf::error closed_error() const;
  void extend(const std::vector<std::string>& receipts); // on the keeper thread

  api api_;
  api keeper_api_;                     // the keeper's connection
  std::string queue_topic_;
  std::string topic_;
  std::string url_;
  std::mutex mtx_;                     // fetch, ack, nack, close (the main connection)
  std::atomic<bool> closed_{false};
  std::mutex wait_mtx_;                // an empty short-poll fetch waits out its wait here
  std::condition_variable wait_cv_;
  lease_keeper keeper_;                // the receipt handles held; last, so it stops first
};

} // namespace armada::herald::sqs
