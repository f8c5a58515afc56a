#pragma once

// Helpers of the sqs tests: the moto_server of `scripts/servers up moto` (skipped with the
// reason when it is not running) and waiting with a deadline.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "armada/herald/driver.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "armada/testing/wait.hpp"

namespace armada::testing_sqs {

using namespace std::chrono_literals;

/// The SQS endpoint URL with test credentials (moto accepts any), or nothing.
inline std::optional<std::string> sqs_url(const std::string& extra = {}) {
  auto env = testing::servers::load();
  auto base = env.get("SQS_URL");
  if (!base)
    return std::nullopt;
  return *base + "?access-key-id=test&secret-access-key=test&region=us-east-1" + extra;
}

/// Why the sqs tests cannot run here.
inline std::string why_no_sqs() {
  auto env = testing::servers::load();
  if (auto why = env.get("SQS_UNAVAILABLE"))
    return *why;
  return testing::servers::missing("SQS_URL");
}

/// Polls a condition with a deadline (see armada/testing/wait.hpp).
using armada::testing::wait_until;

/// A driver (sqs or sns) and a fresh topic per test, with helpers to make and fetch messages.
class driver_test : public ::testing::Test {
protected:
  using maker = std::function<caf::expected<std::shared_ptr<herald::driver>>(std::string_view)>;

  /// Opens `make(url)` on a topic named `<prefix>.<random>`; skips with the reason without moto.
  void open(const std::optional<std::string>& url, const maker& make, const std::string& prefix) {
    if (!url)
      GTEST_SKIP() << why_no_sqs();
    auto d = make(*url);
    ASSERT_TRUE(d) << describe(d.error());
    drv_ = *d;
    topic_ = prefix + "." + uuid::random().to_string().substr(0, 8);
  }

  void TearDown() override {
    if (drv_)
      drv_->close();
  }

  herald::message msg(std::string payload) {
    herald::message m;
    m.id = uuid::random().to_string();
    m.topic = topic_;
    m.payload = std::move(payload);
    return m;
  }

  /// Fetches until `n` messages arrived or `timeout` passed.
  static std::vector<herald::message> fetch(herald::subscription_driver& s, std::size_t n,
                                            std::chrono::milliseconds timeout = 10s) {
    std::vector<herald::message> got;
    wait_until([&] {
      auto r = s.fetch(n - got.size(), 50ms);
      EXPECT_TRUE(r) << describe(r.error());
      if (r)
        for (auto& m : *r)
          got.push_back(std::move(m));
      return got.size() >= n;
    }, timeout);
    return got;
  }

  /// A slow handler: holds `held` (delivered to `slow`) for `handling` on a thread of its own,
  /// then acks it (the result in `acked`); returns what `other`, a competing subscription,
  /// received meanwhile — nothing where `slow` keeps its message past the deadline.
  static std::vector<herald::message> compete_with_slow_handler(herald::subscription_driver& slow,
                                                                const herald::message& held,
                                                                herald::subscription_driver& other,
                                                                std::chrono::milliseconds handling, caf::error& acked) {
    std::atomic<bool> done{false};
    std::thread handler{[&] {
      std::this_thread::sleep_for(handling); // the slow handler
      acked = slow.ack(held);
      done = true;
    }};
    std::vector<herald::message> stolen;
    bool finished = wait_until([&] {
      if (auto r = other.fetch(1, 100ms))
        for (auto& m : *r)
          stolen.push_back(std::move(m));
      return done.load();
    }, handling + 30s);
    handler.join();
    EXPECT_TRUE(finished);
    return stolen;
  }

  std::shared_ptr<herald::driver> drv_;
  std::string topic_;
};

} // namespace armada::testing_sqs
