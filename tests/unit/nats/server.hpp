#pragma once

// The nats-server of scripts/servers for the tests of this folder, and small helpers.

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "armada/herald/driver.hpp"
#include "armada/testing/servers.hpp"
#include "armada/runtime/uuid.hpp"

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

/// Fetches until `n` messages arrived or `timeout` passed.
inline std::vector<herald::message> fetch_n(herald::subscription_driver& sub, std::size_t n,
                                            std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  std::vector<herald::message> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.fetch(n - got.size(), std::chrono::milliseconds{50});
    if (!batch)
      continue;
    for (auto& m : *batch)
      got.push_back(std::move(m));
  }
  return got;
}

} // namespace armada::testing_nats
