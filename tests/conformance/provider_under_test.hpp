#pragma once

// One row of the conformance suite: how to connect to a fresh, isolated instance of a provider.

#include <functional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"

namespace armada::conformance {

struct provider_under_test {
  std::string name;
  herald::features features;
  /// Connects to a broker instance no other test uses (or a fresh namespace of it).
  std::function<caf::expected<herald::connection>(caf::actor_system&, const std::string& scope)> connect;
  /// Non-empty: the provider cannot run here, and why (the tests report skipped).
  std::function<std::string()> unavailable = [] { return std::string{}; };
};

/// Every provider linked into the suite (see providers.cpp).
std::vector<provider_under_test> providers_under_test();

} // namespace armada::conformance
