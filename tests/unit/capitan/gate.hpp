#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace armada::test {

/// A door a hook waits at until the test opens it: makes a hook "slow" without sleeping.
class gate {
public:
  gate() = default;
  gate(const gate&) = delete;
  gate& operator=(const gate&) = delete;
  void open() {
    std::lock_guard guard{mtx_};
    open_ = true;
    cv_.notify_all();
  }
  /// Waits until open (at most 10 s, so a broken test fails instead of hanging).
  bool wait() {
    std::unique_lock lock{mtx_};
    ++waiting_;
    ++inside_;
    cv_.notify_all();
    auto result = cv_.wait_for(lock, std::chrono::seconds{10}, [this] { return open_; });
    --inside_;
    cv_.notify_all();
    return result;
  }

  /// Opens the gate and waits until every thread left `wait`, so the gate may die safely.
  ~gate() {
    std::unique_lock lock{mtx_};
    open_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return inside_ == 0; });
  }
  /// Waits until `n` threads arrived at the gate.
  bool wait_for_arrivals(int n) {
    std::unique_lock lock{mtx_};
    return cv_.wait_for(lock, std::chrono::seconds{10}, [&] { return waiting_ >= n; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
  int inside_ = 0;
};

} // namespace armada::test
