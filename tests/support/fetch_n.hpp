#pragma once

// Fetching from a provider's subscription driver with a deadline (the provider tests).

#include <chrono>
#include <vector>

#include "armada/herald/driver.hpp"

namespace armada::testing_support {

/// Fetches until `n` messages arrived or `timeout` passed (fetch errors are retried).
inline std::vector<herald::message> fetch_n(herald::subscription_driver& sub, std::size_t n,
                                            std::chrono::milliseconds timeout = std::chrono::seconds{20}) {
  std::vector<herald::message> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.fetch(n - got.size(), std::chrono::milliseconds{50});
    if (!batch)
      continue;
    sub.decode_batch(*batch); // what the subscription actor has done before a subscriber sees them
    for (auto& m : *batch)
      got.push_back(std::move(m));
  }
  return got;
}

} // namespace armada::testing_support
