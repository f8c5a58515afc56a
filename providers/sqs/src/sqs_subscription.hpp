#pragma once

// One subscription: ReceiveMessage on the topic's queue with its own HTTP connection, the
// receipt handles of the messages it holds, and a keeper thread (with a connection of its own)
// that extends their visibility while handlers are slow.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "armada/herald/driver.hpp"
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
  void keep_visible();                 // the keeper thread
  void release(const std::string& receipt);

  api api_;
  std::string queue_topic_;
  std::string topic_;
  std::string url_;
  std::mutex mtx_;                     // fetch, ack, nack, close (the main connection)
  std::atomic<bool> closed_{false};

  // Receipt handles held (delivered, not acked or nacked) → when their visibility runs out.
  std::mutex held_mtx_;
  std::condition_variable held_cv_;
  std::map<std::string, clock::time_point> held_;
  std::thread keeper_;
};

} // namespace armada::herald::sqs
