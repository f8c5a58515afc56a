#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>

#include "armada/runtime/clock.hpp"

namespace armada::pipz::detail {

/// One clock timer shared by every in-flight call of a `timeout` node: a call registers a
/// waiter (deadline + stop source) and unregisters it when its child returns. The clock timer
/// is armed only when a new deadline is earlier than every armed one, so with a fixed timeout
/// a steady stream of calls arms about one timer per timeout period, not one per call. When
/// it fires, every waiter whose deadline passed gets its stop requested, and the timer is
/// re-armed for the earliest remaining deadline. All member functions are thread-safe.
class deadline_timer {
public:
  /// A registration, owned by the caller (on its stack) from `add` until `remove` returns.
  struct waiter {
    waiter(armada::clock::time_point when, std::stop_source& source)
      : deadline(when)
      , stop(&source) {}
    armada::clock::time_point deadline;
    std::stop_source* stop;
    waiter* prev = nullptr;
    waiter* next = nullptr;
    bool linked = false;           // guarded by the timer's mutex
    std::atomic<bool> done{false}; // the firing finished with this waiter
  };

  explicit deadline_timer(std::shared_ptr<armada::clock> clock);

  /// Cancels the armed clock timers (a firing in progress finishes on its own shared state).
  ~deadline_timer();

  deadline_timer(const deadline_timer&) = delete;
  deadline_timer& operator=(const deadline_timer&) = delete;

  /// Registers `w`, arming the clock timer if `w` is due before every armed one.
  void add(waiter& w);

  /// Unregisters `w`. Returns true when its deadline fired (its stop was requested); once
  /// this returns, the timer no longer touches `w`.
  bool remove(waiter& w);

  /// Clock timers armed right now (for tests).
  std::size_t armed() const;

  armada::clock& clock() const;

private:
  struct state {
    std::shared_ptr<armada::clock> clock;
    mutable std::mutex mtx;
    waiter* head = nullptr;
    waiter* tail = nullptr;
    std::map<armada::clock::time_point, armada::clock::timer_id> timers; // armed
  };

  static void arm(const std::shared_ptr<state>& st, armada::clock::time_point when);
  static void fire(const std::shared_ptr<state>& st, armada::clock::time_point at);
  static void unlink(state& st, waiter& w);

  std::shared_ptr<state> state_;
};

} // namespace armada::pipz::detail
