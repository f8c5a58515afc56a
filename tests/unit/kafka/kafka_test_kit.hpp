#pragma once

// Helpers of the kafka tests: the mock cluster of scripts/servers, fresh topic names, and
// fetching with a deadline.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armada/herald/driver.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"

namespace armada::testing_kafka {

using namespace std::chrono_literals;

/// KAFKA_URL of scripts/servers, or nothing (the test skips with the reason).
inline std::optional<std::string> url() {
  return armada::testing::servers::load().get("KAFKA_URL");
}

#define ARMADA_KAFKA_OR_SKIP(var)                                                                  \
  auto var##_opt = ::armada::testing_kafka::url();                                                 \
  if (!var##_opt)                                                                                   \
    GTEST_SKIP() << ::armada::testing::servers::missing("KAFKA_URL");                              \
  const std::string var = *var##_opt

/// A name no other test uses.
inline std::string fresh(const std::string& name) {
  return "unit-" + uuid::random().to_string().substr(0, 8) + "-" + name;
}

/// Fetches until `n` messages arrived or `timeout` passed (a new group joins after ~3 s).
inline std::vector<herald::message> fetch_n(herald::subscription_driver& sub, std::size_t n,
                                            std::chrono::milliseconds timeout = 20s) {
  std::vector<herald::message> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.fetch(n - got.size(), 50ms);
    if (!batch)
      continue;
    for (auto& m : *batch)
      got.push_back(std::move(m));
  }
  return got;
}

} // namespace armada::testing_kafka
