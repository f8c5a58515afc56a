#pragma once

// The restart scenario of the provider tests (issue 5): many publishers publish through herald
// connections, each message retried until the broker acknowledges it, while the test restarts
// the server; afterwards every acknowledged message must have been received.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "armada/herald/connection.hpp"
#include "armada/herald/subscriber.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing/wait.hpp"

namespace armada::testing_storm {

using namespace std::chrono_literals;

/// Polls a condition with a deadline (see armada/testing/wait.hpp).
using armada::testing::wait_until;

/// `publishers` threads, each publishing `per_publisher` messages with payload "P-I" to
/// `topic` through `conns` (round robin), keyed over 16 keys. A message counts as acknowledged
/// when a publish of it returned success; a failed publish is retried (at least once: a retry
/// may duplicate).
class publish_storm {
public:
  publish_storm(std::vector<herald::connection> conns, std::string topic, int publishers, int per_publisher)
    : conns_(std::move(conns)), topic_(std::move(topic)), per_publisher_(per_publisher) {
    for (int p = 0; p < publishers; ++p)
      threads_.emplace_back([this, p] { run(p); });
  }
  ~publish_storm() { join(); }

  void join() {
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

  std::size_t acknowledged_count() const {
    std::lock_guard g{mtx_};
    return acknowledged_.size();
  }
  std::set<std::string> acknowledged() const {
    std::lock_guard g{mtx_};
    return acknowledged_;
  }
  int failures() const { return failures_; }

  /// For each threshold: waits until that many messages were acknowledged, then calls
  /// `restart` with this storm (it returns once the server is back). False when a threshold is not reached
  /// within `timeout`.
  bool restart_at(const std::vector<std::size_t>& thresholds, const std::function<void(const publish_storm&)>& restart,
                  std::chrono::milliseconds timeout = 120s) {
    for (auto at : thresholds) {
      if (!wait_until([&] { return acknowledged_count() >= at; }, timeout))
        return false;
      restart(*this);
    }
    return true;
  }

private:
  void run(int p) {
    auto& conn = conns_[static_cast<std::size_t>(p) % conns_.size()];
    for (int i = 0; i < per_publisher_; ++i) {
      herald::message m;
      m.topic = topic_;
      m.key = "k" + std::to_string(i % 16);
      m.payload = std::to_string(p) + "-" + std::to_string(i);
      m.id = m.payload;
      auto deadline = std::chrono::steady_clock::now() + 120s;
      while (std::chrono::steady_clock::now() < deadline) {
        if (conn.publish(m, 15s)) {
          std::lock_guard g{mtx_};
          acknowledged_.insert(m.payload);
          break;
        }
        ++failures_;
        std::this_thread::sleep_for(5ms); // the publisher's own retry pacing, not a wait for a result
      }
    }
  }

  std::vector<herald::connection> conns_;
  std::string topic_;
  int per_publisher_;
  mutable std::mutex mtx_;
  std::set<std::string> acknowledged_;
  std::atomic<int> failures_{0};
  std::vector<std::thread> threads_;
};

/// Thread-safe set of received payloads.
class received_set {
public:
  void add(const std::string& payload) {
    std::lock_guard g{mtx_};
    got_.insert(payload);
  }
  std::size_t size() const {
    std::lock_guard g{mtx_};
    return got_.size();
  }
  /// Whether every one of `expected` was received.
  bool contains_all(const std::set<std::string>& expected) const {
    std::lock_guard g{mtx_};
    return std::includes(got_.begin(), got_.end(), expected.begin(), expected.end());
  }

private:
  mutable std::mutex mtx_;
  std::set<std::string> got_;
};

/// The restart scenario of issue 5 on `conns` (several connections to one server): a subscriber
/// on conns[0] collects topic `orders`; 8 publishers publish 10 000 messages; `restart` is
/// called at 2000 and at 6000 acknowledged. Returns what went wrong, or an empty string when
/// every acknowledged message was received and every message was acknowledged.
inline std::string run_restart_scenario(const std::vector<herald::connection>& conns,
                                        const std::function<void(const publish_storm&)>& restart) {
  received_set received;
  auto sub = herald::subscribe(conns.at(0), "orders", [&](const herald::message& m) { received.add(m.payload); });
  if (!sub)
    return "subscribe failed: " + describe(sub.error());
  std::string problem;
  {
    publish_storm storm{conns, "orders", 8, 1250};
    if (!storm.restart_at({2000, 6000}, restart))
      problem = "the storm stalled: " + std::to_string(storm.acknowledged_count()) + " acknowledged";
    storm.join();
    if (problem.empty() && storm.acknowledged_count() != 10000)
      problem = "only " + std::to_string(storm.acknowledged_count()) + " of 10000 publishes were acknowledged";
    if (problem.empty() && !wait_until([&] { return received.contains_all(storm.acknowledged()); }, 60s))
      problem = "lost: " + std::to_string(received.size()) + " received of " + std::to_string(storm.acknowledged_count())
                + " acknowledged";
  }
  sub->close();
  return problem;
}

} // namespace armada::testing_storm
