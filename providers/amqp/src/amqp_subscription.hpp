#pragma once

// One subscription of the amqp provider: its own connection, consuming the group's queue with
// basic.qos prefetch. Used by its subscription actor's thread; close may come from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "amqp_session.hpp"
#include "armada/herald/driver.hpp"

namespace armada::herald::amqp {

class amqp_subscription final : public subscription_driver {
public:
  amqp_subscription(endpoint ep, std::string topic, std::string group, std::size_t prefetch);
  ~amqp_subscription() override;

  /// Connects, declares the exchange and the group's queue, and starts consuming.
  caf::error start();

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  caf::error ack(const message& m) override;
  /// One basic.ack with `multiple` when the batch is exactly the oldest unsettled deliveries of
  /// the connection (the usual case: handled in order); one basic.ack per message otherwise.
  caf::error ack_batch(const std::vector<message>& ms) override;
  caf::error nack(const message& m, std::chrono::milliseconds delay) override;
  /// basic.reject without requeue: the queue's dead-letter exchange gets it (else it is dropped).
  caf::error reject(const message& m) override;
  void close() override;

private:
  using clock = std::chrono::steady_clock;

  /// Connects when needed and (re)starts consuming on a new connection.
  caf::error ensure_consuming();
  /// basic.nack with requeue for every held message whose delay passed.
  caf::error release_due();
  /// The delivery tag of `m` on the current connection (0: an older connection's, or none).
  std::uint64_t tag_of(const message& m) const;
  /// Under the lock: `send(tag)` for `m`'s delivery tag, which returns a rabbitmq-c status
  /// (`what` names the method in the error; a failure drops the connection). Nothing for a
  /// message delivered on a lost connection: the broker requeued it.
  caf::error settle(const message& m, const char* what, const std::function<int(std::uint64_t)>& send);
  caf::error closed_error() const;
  /// The delivery tags of the current connection not settled yet (`unsettled_`), reset for a
  /// new connection.
  std::set<std::uint64_t>& unsettled();

  amqp_session session_;
  std::string topic_;
  std::string group_;
  std::size_t prefetch_;
  std::mutex mtx_;
  std::atomic<bool> closed_{false};
  std::multimap<clock::time_point, std::uint64_t> held_; ///< nacked with a delay: tag, due at the key
  std::map<std::string, std::uint32_t> nacked_;           ///< attempt of each nacked message, by id
  std::set<std::uint64_t> unsettled_;                     ///< delivered, not acked, nacked or rejected
  std::uint64_t unsettled_generation_ = 0;                ///< the connection `unsettled_` belongs to
};

} // namespace armada::herald::amqp
