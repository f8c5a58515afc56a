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

/// Pulls from a durable consumer in batches: a pull request (`batch`, `expires`) to the
/// consumer's next-message subject, answered on this subscription's own inbox. nats.c's
/// natsSubscription_Fetch is not used: in nats.c 3.4 it writes past its array when more than
/// half a batch is already waiting in the subscription (late answers to an earlier request),
/// so a safe use of it is one message per pull request — one round trip per message, ~2 k
/// msgs/s. Acks with +ACK, nacks with -NAK (with a delay); close naks what it holds and what
/// arrived unread, so another subscriber of the group gets it at once.
class jetstream_subscription final : public subscription_driver {
public:
  /// Subscribes to a fresh inbox for the answers of consumer `durable` of `stream`, whose
  /// MaxAckPending is `max_ack_pending` (-1: no limit).
  static caf::expected<std::unique_ptr<jetstream_subscription>>
  make(std::shared_ptr<nats::client> c, const std::string& stream, const std::string& durable, std::string topic,
       std::int64_t max_ack_pending);
  ~jetstream_subscription() override;

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  caf::error ack(const message& m) override;
  caf::error ack_batch(const std::vector<message>& ms) override;
  caf::error nack(const message& m, std::chrono::milliseconds delay) override;
  void close() override;

private:
  jetstream_subscription(std::shared_ptr<nats::client> c, std::string stream, std::string durable, std::string inbox,
                         natsSubscription* sub, std::string topic, std::int64_t max_ack_pending);
  /// An error when the durable consumer is gone: a pull request to a missing consumer is not
  /// answered at all, where a live one answers an expired request with a 408.
  caf::error check_consumer();
  caf::error closed_error() const;
  /// Holds a delivered message and appends it to `out`.
  void keep(nats::msg_ptr msg, std::vector<message>& out);
  /// The held NATS message for `m` (by its broker position), removed from `held_`.
  nats::msg_ptr take(const message& m);
  /// Publishes an acknowledgement body (+ACK, -NAK …) to the message's reply subject.
  natsStatus reply(natsMsg* msg, const std::string& body);

  std::shared_ptr<nats::client> client_;
  std::string stream_;
  std::string durable_;
  std::string next_subject_; // $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>
  std::string inbox_;        // this subscription's inbox; request n is answered on <inbox>.<n>
  natsSubscription* sub_;    // on <inbox>.*
  std::uint64_t requests_ = 0;
  std::string topic_;
  std::int64_t max_ack_pending_; // the consumer's; -1: no limit
  std::mutex mtx_;
  std::map<std::string, nats::msg_ptr> held_; // fetched, not yet acked / nacked; by broker position
  std::map<std::string, std::uint32_t> nacked_; // attempt of each message nacked and not seen since
  std::atomic<bool> closed_{false};
};

} // namespace armada::herald::jetstream
