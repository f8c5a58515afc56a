#pragma once

// Messages of one io stream after they were read: per topic, the messages waiting for a
// subscription, the ones handed out and not yet acked (by subscription) and the ones due for
// redelivery. Not thread-safe: io_stream guards it with its mutex.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "armada/herald/message.hpp"

namespace armada::herald::io::detail {

class inbox {
public:
  using clock_type = std::chrono::steady_clock;

  explicit inbox(std::size_t backlog)
    : backlog_(backlog) {}

  /// A new subscription to `topic`; returns its id.
  std::uint64_t attach(const std::string& topic);

  /// Ends subscription `sub`: what it had not acked is due for redelivery at once.
  void detach(const std::string& topic, std::uint64_t sub);

  /// Whether one more message read from the stream fits. When the backlog is full, drops the
  /// oldest waiting message of a topic nobody subscribes to, if there is one.
  bool make_room();

  /// Adds a message read from the stream (its `broker` is its stream offset).
  void push(message m);

  /// Up to `max` messages of `topic` for subscription `sub`: due redeliveries first (oldest
  /// due first), then messages in stream order.
  std::vector<message> take(const std::string& topic, std::uint64_t sub, std::size_t max,
                            clock_type::time_point now);

  /// When the next redelivery of `topic` is due, if any is waiting.
  std::optional<clock_type::time_point> next_due(const std::string& topic) const;

  /// Forgets message `m` handed to `sub`.
  void ack(const std::string& topic, std::uint64_t sub, const message& m);

  /// Makes message `m` handed to `sub` due again after `delay`, with the next attempt number.
  void nack(const std::string& topic, std::uint64_t sub, const message& m,
            std::chrono::milliseconds delay, clock_type::time_point now);

  /// Messages read and waiting (not handed out, not due for redelivery).
  std::size_t waiting() const { return waiting_; }

  /// Messages dropped because their topic had no subscription and the backlog was full.
  std::uint64_t dropped() const { return dropped_; }

private:
  struct handed_out {
    std::uint64_t sub;
    message msg;
  };
  struct topic_state {
    std::size_t subscriptions = 0;
    std::deque<message> waiting;
    std::map<std::uint64_t, handed_out> in_flight; // stream offset → holder
    std::multimap<clock_type::time_point, message> redeliver;
  };

  static std::uint64_t position(const message& m);

  std::size_t backlog_;
  std::size_t waiting_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t next_sub_ = 1;
  std::map<std::string, topic_state> topics_;
};

} // namespace armada::herald::io::detail
