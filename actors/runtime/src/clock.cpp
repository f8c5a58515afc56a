#include "armada/runtime/clock.hpp"

#include <atomic>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include <vector>

namespace armada {

// -- real_clock ---------------------------------------------------------------

real_clock::real_clock() = default;

real_clock::~real_clock() {
  if (worker_.joinable()) {
    worker_.request_stop();
    cv_.notify_all();
    worker_.join();
  }
}

clock::time_point real_clock::now() const {
  return std::chrono::steady_clock::now();
}

namespace {

#if defined(__x86_64__) || defined(__i386__)
bool invariant_tsc() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) || eax < 0x80000007u)
    return false;
  __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
  return (edx & (1u << 8)) != 0; // CPUID.80000007H:EDX[8], invariant TSC
}

/// Reads `Clock` and the counter back to back; the counter value is the midpoint of two reads
/// around the clock's. False when the thread was held up in between (preempted on a loaded
/// machine), which would pair the counter with a later time.
template <class Clock>
bool paired(std::uint64_t& tsc, typename Clock::time_point& t) {
  constexpr std::uint64_t max_ticks = 10000; // a few µs; one clock read takes ~100 ticks
  auto before = __rdtsc();
  t = Clock::now();
  auto after = __rdtsc();
  tsc = before + (after - before) / 2;
  return after - before < max_ticks;
}

/// The counter's rate in ns per tick, measured once against steady_clock over >= 10 ms.
struct tsc_rate {
  const bool usable = invariant_tsc();
  std::uint64_t tsc0 = 0;
  std::chrono::steady_clock::time_point steady0{};
  bool started = false;
  std::atomic<double> ns_per_tick{0}; // 0: not measured yet

  tsc_rate() {
    for (int i = 0; i < 100 && !started; ++i)
      started = paired<std::chrono::steady_clock>(tsc0, steady0);
  }

  double get() {
    auto r = ns_per_tick.load(std::memory_order_relaxed);
    if (r > 0 || !usable || !started)
      return r;
    std::uint64_t tsc = 0;
    std::chrono::steady_clock::time_point now{};
    if (!paired<std::chrono::steady_clock>(tsc, now) || now - steady0 < std::chrono::milliseconds{10} || tsc <= tsc0)
      return 0;
    r = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - steady0).count())
        / static_cast<double>(tsc - tsc0);
    ns_per_tick.store(r, std::memory_order_relaxed);
    return r;
  }
};

tsc_rate& rate() {
  static tsc_rate r;
  return r;
}

/// A thread's last reading of the system clock and the counter at that moment.
struct wall_anchor {
  std::uint64_t tsc = 0;
  std::chrono::system_clock::time_point wall{};
  std::uint64_t ticks_valid = 0; // re-read the system clock after this many ticks (200 µs)
};
thread_local wall_anchor anchor;
#endif

} // namespace

std::chrono::system_clock::time_point fast_wall_now() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  std::uint64_t tsc = __rdtsc();
  auto& a = anchor;
  // Unsigned: a counter behind the anchor (another core's) wraps and re-anchors too.
  if (auto ticks = tsc - a.tsc; ticks < a.ticks_valid) {
    auto ns = static_cast<std::int64_t>(static_cast<double>(ticks) * rate().ns_per_tick.load(std::memory_order_relaxed));
    return a.wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds{ns});
  }
  std::chrono::system_clock::time_point now{};
  if (!paired<std::chrono::system_clock>(tsc, now))
    return now; // held up between the reads: no anchor from this pair
  if (auto r = rate().get(); r > 0) {
    a.tsc = tsc;
    a.wall = now;
    a.ticks_valid = static_cast<std::uint64_t>(2e5 / r); // 200 µs
  }
  return now;
#else
  return std::chrono::system_clock::now();
#endif
}

std::chrono::system_clock::time_point real_clock::wall_now() const {
  return std::chrono::system_clock::now();
}

clock::timer_id real_clock::schedule(time_point when, std::function<void()> fn) {
  std::lock_guard guard{mtx_};
  if (!worker_.joinable())
    worker_ = std::jthread{[this](std::stop_token st) { run(st); }};
  auto id = next_id_++;
  timers_.emplace(when, std::make_pair(id, std::move(fn)));
  cv_.notify_all();
  return id;
}

bool real_clock::cancel(timer_id id) {
  std::lock_guard guard{mtx_};
  for (auto i = timers_.begin(); i != timers_.end(); ++i) {
    if (i->second.first == id) {
      timers_.erase(i);
      return true;
    }
  }
  return false;
}

bool real_clock::sleep_until(time_point when, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock{m};
  cv.wait_until(lock, stop, when, [] { return false; });
  return !stop.stop_requested();
}

void real_clock::run(std::stop_token stop) {
  std::unique_lock lock{mtx_};
  while (!stop.stop_requested()) {
    if (timers_.empty()) {
      cv_.wait(lock, stop, [this] { return !timers_.empty(); });
      continue;
    }
    auto next = timers_.begin()->first;
    if (std::chrono::steady_clock::now() < next) {
      // Wake early when an earlier timer arrives (or the earliest one is cancelled).
      cv_.wait_until(lock, stop, next, [&] { return timers_.empty() || timers_.begin()->first != next; });
      continue;
    }
    auto fn = std::move(timers_.begin()->second.second);
    timers_.erase(timers_.begin());
    lock.unlock();
    fn();
    lock.lock();
  }
}

std::shared_ptr<real_clock> real_clock::shared() {
  static auto instance = std::make_shared<real_clock>();
  return instance;
}

// -- manual_clock -------------------------------------------------------------

manual_clock::manual_clock(time_point start)
  : now_(start), wall_start_(std::chrono::system_clock::now()), start_(start) {
}

clock::time_point manual_clock::now() const {
  std::lock_guard guard{mtx_};
  return now_;
}

std::chrono::system_clock::time_point manual_clock::wall_now() const {
  std::lock_guard guard{mtx_};
  return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - start_);
}

clock::timer_id manual_clock::schedule(time_point when, std::function<void()> fn) {
  std::lock_guard guard{mtx_};
  auto id = next_id_++;
  timers_.emplace(when, std::make_pair(id, std::move(fn)));
  cv_.notify_all();
  return id;
}

bool manual_clock::cancel(timer_id id) {
  std::lock_guard guard{mtx_};
  for (auto i = timers_.begin(); i != timers_.end(); ++i) {
    if (i->second.first == id) {
      timers_.erase(i);
      return true;
    }
  }
  return false;
}

bool manual_clock::sleep_until(time_point when, std::stop_token stop) {
  std::unique_lock lock{mtx_};
  ++sleepers_;
  cv_.notify_all();
  bool reached = cv_.wait(lock, stop, [&] { return now_ >= when; });
  --sleepers_;
  return reached;
}

void manual_clock::advance(duration d) {
  time_point target;
  {
    std::lock_guard guard{mtx_};
    target = now_ + d;
  }
  set(target);
}

void manual_clock::set(time_point t) {
  std::unique_lock lock{mtx_};
  // Run due timers in order, moving time to each timer's deadline first, so a timer that
  // schedules another one within the window sees it run too.
  while (!timers_.empty() && timers_.begin()->first <= t) {
    auto when = timers_.begin()->first;
    if (when > now_)
      now_ = when;
    auto fn = std::move(timers_.begin()->second.second);
    timers_.erase(timers_.begin());
    cv_.notify_all();
    lock.unlock();
    fn();
    lock.lock();
  }
  if (t > now_)
    now_ = t;
  cv_.notify_all();
}

std::size_t manual_clock::sleepers() const {
  std::lock_guard guard{mtx_};
  return sleepers_;
}

std::size_t manual_clock::pending_timers() const {
  std::lock_guard guard{mtx_};
  return timers_.size();
}

bool manual_clock::wait_for_waiters(std::size_t n, std::chrono::milliseconds deadline) const {
  std::unique_lock lock{mtx_};
  return cv_.wait_for(lock, deadline, [&] { return sleepers_ + timers_.size() >= n; });
}

} // namespace armada
