#pragma once

// Helpers of the kafka tests: the mock cluster of scripts/servers, fresh topic names, and
// fetching with a deadline.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armada/herald/driver.hpp"
#include "fetch_n.hpp"
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

using armada::testing_support::fetch_n;

} // namespace armada::testing_kafka
