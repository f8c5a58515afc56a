#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "armada/herald/message.hpp"

namespace armada::conformance {

/// Thread-safe record of handled messages with a deadline wait.
class collector {
public:
  void add(const herald::message& m) {
    std::lock_guard guard{mtx_};
    got_.push_back(m);
    cv_.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
    std::unique_lock lock{mtx_};
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }
  /// Waits until `n` different payloads arrived: at-least-once delivery may bring a message
  /// twice, and a count of deliveries would then end the wait one message early.
  bool wait_for_distinct(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock{mtx_};
    return cv_.wait_for(lock, timeout, [&] {
      std::set<std::string> payloads;
      for (const auto& m : got_)
        payloads.insert(m.payload);
      return payloads.size() >= n;
    });
  }
  std::vector<herald::message> messages() const {
    std::lock_guard guard{mtx_};
    return got_;
  }
  std::size_t size() const {
    std::lock_guard guard{mtx_};
    return got_.size();
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<herald::message> got_;
};

} // namespace armada::conformance
