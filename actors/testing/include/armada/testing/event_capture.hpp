#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "armada/capitan/instance.hpp"

namespace armada::testing {

/// Records the events of one signal (or of every signal) of a capitan instance, for tests.
/// Thread-safe; closes its hook when destroyed.
class event_capture {
public:
  /// Captures `s` on `inst`.
  event_capture(capitan::instance& inst, const capitan::signal& s);

  /// Captures every signal of `inst`, including signals first seen later.
  explicit event_capture(capitan::instance& inst);

  ~event_capture();

  /// Blocks until at least `n` events were captured or `timeout` passed; returns whether the
  /// count was reached.
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{10});

  std::size_t count() const;
  std::vector<capitan::event> events() const;

private:
  void add(const capitan::event& e);
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<capitan::event> events_;
  capitan::listener listener_;
  capitan::observer observer_;
};

/// Polls `inst.stats()` until `pred(stats)` holds or `timeout` passes (polling at a short
/// interval is the point of this helper: stats have no change notification). Returns whether
/// the predicate held.
template <class Pred>
bool wait_for_stats(const capitan::instance& inst, Pred pred,
                    std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred(inst.stats()))
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
}

} // namespace armada::testing
