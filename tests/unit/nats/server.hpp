#pragma once

// The nats-server of scripts/servers for the tests of this folder, and small helpers.

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "armada/herald/driver.hpp"
#include "armada/testing/servers.hpp"
#include "armada/runtime/uuid.hpp"
#include "fetch_n.hpp"

namespace armada::testing_nats {

/// "127.0.0.1:PORT" of the server, or nothing (the test skips with the reason).
inline std::optional<std::string> address() {
  auto u = armada::testing::servers::load().get("NATS_URL");
  if (!u)
    return std::nullopt;
  return u->substr(u->find("://") + 3);
}

#define ARMADA_NATS_OR_SKIP(var)                                                                   \
  auto var##_opt = ::armada::testing_nats::address();                                              \
  if (!var##_opt)                                                                                   \
    GTEST_SKIP() << ::armada::testing::servers::missing("NATS_URL");                               \
  const std::string var = *var##_opt

/// A topic no other test uses.
inline std::string fresh_topic(const std::string& name) {
  return "unit" + uuid::random().to_string().substr(0, 8) + "." + name;
}

using armada::testing_support::fetch_n;

} // namespace armada::testing_nats
