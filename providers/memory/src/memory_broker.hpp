#pragma once

// The in-process broker behind the memory provider: topics as ordered logs, consumer groups
// with in-flight leases, delayed redelivery. Thread-safe (one mutex per broker).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "armada/herald/message.hpp"

namespace armada::herald::memory {

class memory_broker {
public:
  using clock_type = std::chrono::steady_clock;

  explicit memory_broker(std::size_t retention) : retention_(retention) {}

  /// Appends `m` to its topic; returns its offset.
  std::uint64_t publish(message m);

  /// Up to `max` messages for `subscriber` of `group` on `topic`, waiting at most `wait`.
  std::vector<message> fetch(const std::string& topic, const std::string& group,
                             std::uint64_t subscriber, std::size_t max,
                             std::chrono::milliseconds wait);

  void ack(const std::string& topic, const std::string& group, std::uint64_t offset);
  void ack(const std::string& topic, const std::string& group, const std::vector<std::uint64_t>& offsets);
  void nack(const std::string& topic, const std::string& group, std::uint64_t offset,
            std::chrono::milliseconds delay);

  /// Returns everything `subscriber` holds to its group (redelivered at once).
  void release(const std::string& topic, const std::string& group, std::uint64_t subscriber);

  std::uint64_t next_subscriber_id() { return next_subscriber_.fetch_add(1); }

  /// Wakes every waiting fetch (used by close).
  void wake_all();

private:
  struct lease {
    std::uint64_t subscriber;
  };
  struct group_state {
    std::uint64_t next = 0;                                  // next offset never delivered
    std::map<std::uint64_t, lease> in_flight;                // offset → holder
    std::multimap<clock_type::time_point, std::uint64_t> redeliver; // due → offset
    std::map<std::uint64_t, std::uint32_t> attempts;         // offset → deliveries so far
  };
  struct topic_state {
    std::uint64_t base = 0;            // offset of log.front()
    std::deque<message> log;
    std::map<std::string, group_state> groups;
  };

  void trim(topic_state& t);

  std::size_t retention_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::map<std::string, topic_state> topics_;
  std::atomic<std::uint64_t> next_subscriber_{1};
};

} // namespace armada::herald::memory
