#pragma once

// Helpers of the sqs tests: the moto_server of `scripts/servers up moto` (skipped with the
// reason when it is not running) and waiting with a deadline.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "armada/testing/servers.hpp"

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

/// Polls `cond` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

} // namespace armada::testing_sqs
