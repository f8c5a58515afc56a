#pragma once

#include <chrono>
#include <thread>

namespace armada::testing {

/// Polls `pred` every 5 ms until it holds or `timeout` passes; returns whether it held. For
/// conditions that have no notification (a node's view of the mesh, a broker's queue depth);
/// never a fixed sleep instead.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
}

} // namespace armada::testing
