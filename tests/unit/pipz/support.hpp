#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "armada/pipz.hpp"

namespace armada::pipz::test {

using namespace std::chrono_literals;

/// A transform on ints.
inline ref<int> add(std::string name, int n) {
  return std::make_shared<transform<int>>(std::move(name),
                                          [n](context&, const int& x) { return x + n; });
}

/// A transform that multiplies.
inline ref<int> times(std::string name, int n) {
  return std::make_shared<transform<int>>(std::move(name),
                                          [n](context&, const int& x) { return x * n; });
}

/// An apply that always fails with `message`.
inline ref<int> failing(std::string name, std::string message = "boom") {
  return std::make_shared<apply<int>>(
      std::move(name), [message](context&, const int&) -> outcome<int> { return fail(message); });
}

/// An apply that fails its first `failures` calls, then adds 1; counts calls.
class flaky {
public:
  explicit flaky(int failures)
    : failures_(failures) {}

  ref<int> node(std::string name) {
    return std::make_shared<apply<int>>(
        std::move(name), [this](context&, const int& x) -> outcome<int> {
          if (calls_.fetch_add(1) < failures_)
            return fail("flaky failure " + std::to_string(calls_.load()));
          return x + 1;
        });
  }

  int calls() const { return calls_.load(); }

private:
  int failures_;
  std::atomic<int> calls_{0};
};

/// A one-shot flag a test thread can wait on with a deadline (no sleeping).
class gate {
public:
  void open() {
    {
      std::lock_guard guard{mtx_};
      open_ = true;
    }
    cv_.notify_all();
  }

  bool wait(std::chrono::milliseconds deadline = 5s) {
    std::unique_lock lock{mtx_};
    return cv_.wait_for(lock, deadline, [this] { return open_; });
  }

  /// Waits until open (true) or until `stop` is requested (false).
  bool wait_or_stop(std::stop_token stop) {
    std::unique_lock lock{mtx_};
    return cv_.wait(lock, stop, [this] { return open_; });
  }

  bool is_open() const {
    std::lock_guard guard{mtx_};
    return open_;
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable_any cv_;
  bool open_ = false;
};

/// A child that signals `entered`, then waits until `release` opens or its stop token is
/// requested; returns x + 1 when released, a canceled failure when stopped.
inline ref<int> blocking(std::string name, gate& entered, gate& release) {
  return std::make_shared<apply<int>>(
      std::move(name), [&entered, &release](context& ctx, const int& x) -> outcome<int> {
        entered.open();
        if (!release.wait_or_stop(ctx.stop))
          return fail(causes::canceled{});
        return x + 1;
      });
}

/// Waits for `pred` with a real-time deadline (polling a condition, never sleeping for a
/// result).
template <class Pred> bool eventually(Pred pred, std::chrono::milliseconds deadline = 5s) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::yield();
  }
  return true;
}

/// Runs `chain.process(ctx, input)` on a new thread.
inline std::future<result<int>> process_async(ref<int> chain, int input,
                                              std::shared_ptr<context> ctx = nullptr) {
  if (!ctx)
    ctx = std::make_shared<context>();
  return std::async(std::launch::async,
                    [chain = std::move(chain), input, ctx] { return chain->process(*ctx, input); });
}

/// Whether a future becomes ready within `deadline` (real time).
template <class F> bool ready(F& f, std::chrono::milliseconds deadline = 5s) {
  return f.wait_for(deadline) == std::future_status::ready;
}

} // namespace armada::pipz::test
