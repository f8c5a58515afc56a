#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

namespace armada {

/// An injectable source of time. Every time-dependent part of armada (pipz backoff, timeouts,
/// breakers, limiters, capitan rate limits, saga timers) takes a clock, so tests can drive time
/// with a `manual_clock` instead of sleeping. All member functions are thread-safe.
class clock {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  using timer_id = std::uint64_t;

  virtual ~clock() = default;

  /// Monotonic now.
  virtual time_point now() const = 0;

  /// Wall-clock now, for timestamps that leave the process.
  virtual std::chrono::system_clock::time_point wall_now() const = 0;

  /// Runs `fn` once, at or after `when`, on the clock's timer thread (real clock) or on the
  /// thread that advances time (manual clock). `fn` must not block. Returns an id for `cancel`.
  virtual timer_id schedule(time_point when, std::function<void()> fn) = 0;

  /// Cancels a scheduled timer; returns false if it already ran or never existed.
  virtual bool cancel(timer_id id) = 0;

  /// Blocks the caller until `when` or until `stop` is requested. Returns true when the time
  /// was reached, false when stopped. Never call from a CAF scheduler thread.
  virtual bool sleep_until(time_point when, std::stop_token stop = {}) = 0;

  /// Convenience: sleep for `d` (see `sleep_until`).
  bool sleep_for(duration d, std::stop_token stop = {}) {
    return sleep_until(now() + d, std::move(stop));
  }
};

/// `std::chrono::system_clock::now()` at about a third of its cost, for timestamps taken on hot
/// paths (every capitan emit). Where the CPU has an invariant time-stamp counter, each thread
/// reads the system clock at most every 200 µs and extrapolates in between with the counter,
/// at a rate measured against the system clock; elsewhere, and until the rate is known (the
/// first ~10 ms of the process), it is `system_clock::now()`. Within 0.1 µs of the system clock
/// even while NTP slews it at its maximum of 500 ppm (nanoseconds otherwise), and, like the
/// system clock, not monotonic. Thread-safe.
std::chrono::system_clock::time_point fast_wall_now() noexcept;

/// The process clock: std::chrono::steady_clock plus one shared timer thread, started on the
/// first `schedule` call and joined by the destructor.
class real_clock final : public clock {
public:
  real_clock();
  ~real_clock() override;
  time_point now() const override;
  std::chrono::system_clock::time_point wall_now() const override;
  timer_id schedule(time_point when, std::function<void()> fn) override;
  bool cancel(timer_id id) override;
  bool sleep_until(time_point when, std::stop_token stop = {}) override;

  /// The process-wide real clock (the default wherever a clock is optional).
  static std::shared_ptr<real_clock> shared();

private:
  void run(std::stop_token stop);
  std::mutex mtx_;
  std::condition_variable_any cv_;
  std::multimap<time_point, std::pair<timer_id, std::function<void()>>> timers_;
  timer_id next_id_ = 1;
  std::jthread worker_;
};

/// A clock that only moves when a test calls `advance` or `set`. Timers due by the new time
/// run on the advancing thread, in time order; sleepers due by then wake up.
class manual_clock final : public clock {
public:
  explicit manual_clock(time_point start = time_point{} + std::chrono::hours{1});
  time_point now() const override;
  std::chrono::system_clock::time_point wall_now() const override;
  timer_id schedule(time_point when, std::function<void()> fn) override;
  bool cancel(timer_id id) override;
  bool sleep_until(time_point when, std::stop_token stop = {}) override;

  /// Moves time forward by `d`, running due timers and waking due sleepers.
  void advance(duration d);

  /// Moves time to `t` (never backwards).
  void set(time_point t);

  /// Number of threads currently blocked in `sleep_until`.
  std::size_t sleepers() const;

  /// Number of pending timers.
  std::size_t pending_timers() const;

  /// Blocks until at least `n` threads sleep or `n` timers are pending on this clock, or until
  /// the real-time `deadline` passes; returns whether the condition was reached. Lets a test
  /// know that the code under test is now waiting for time to move.
  bool wait_for_waiters(std::size_t n, std::chrono::milliseconds deadline = std::chrono::seconds{5}) const;

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable_any cv_;
  time_point now_;
  std::chrono::system_clock::time_point wall_start_;
  time_point start_;
  std::multimap<time_point, std::pair<timer_id, std::function<void()>>> timers_;
  timer_id next_id_ = 1;
  std::size_t sleepers_ = 0;
};

} // namespace armada
