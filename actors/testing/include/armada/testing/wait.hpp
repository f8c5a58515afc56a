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

/// Polls `pred` every 5 ms for `period`; returns whether it held at every look. For properties
/// that must stay true (a mesh that agreed must not split again), after `wait_until` saw them.
template <class Pred>
bool holds_for(Pred pred, std::chrono::milliseconds period) {
  auto end = std::chrono::steady_clock::now() + period;
  do {
    if (!pred())
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  } while (std::chrono::steady_clock::now() < end);
  return true;
}

} // namespace armada::testing
