#include "armada/pipz/deadline_timer.hpp"

#include <thread>
#include <vector>

namespace armada::pipz::detail {

deadline_timer::deadline_timer(std::shared_ptr<armada::clock> clock)
  : state_(std::make_shared<state>()) {
  state_->clock = std::move(clock);
}

deadline_timer::~deadline_timer() {
  std::map<armada::clock::time_point, armada::clock::timer_id> timers;
  {
    std::lock_guard guard{state_->mtx};
    timers.swap(state_->timers);
  }
  for (const auto& [when, id] : timers)
    state_->clock->cancel(id);
}

armada::clock& deadline_timer::clock() const {
  return *state_->clock;
}

std::size_t deadline_timer::armed() const {
  std::lock_guard guard{state_->mtx};
  return state_->timers.size();
}

// Requires st->mtx. Lock order: this mutex, then the clock's (the clock never calls a timer
// function while holding its own).
void deadline_timer::arm(const std::shared_ptr<state>& st, armada::clock::time_point when) {
  if (!st->timers.empty() && st->timers.begin()->first <= when)
    return;
  auto id = st->clock->schedule(when, [st, when] { fire(st, when); });
  st->timers.emplace(when, id);
}

void deadline_timer::add(waiter& w) {
  std::lock_guard guard{state_->mtx};
  w.prev = state_->tail;
  w.next = nullptr;
  if (state_->tail != nullptr)
    state_->tail->next = &w;
  else
    state_->head = &w;
  state_->tail = &w;
  w.linked = true;
  arm(state_, w.deadline);
}

void deadline_timer::unlink(state& st, waiter& w) {
  if (w.prev != nullptr)
    w.prev->next = w.next;
  else
    st.head = w.next;
  if (w.next != nullptr)
    w.next->prev = w.prev;
  else
    st.tail = w.prev;
  w.prev = w.next = nullptr;
  w.linked = false;
}

bool deadline_timer::remove(waiter& w) {
  {
    std::lock_guard guard{state_->mtx};
    if (w.linked) {
      unlink(*state_, w);
      return false;
    }
  }
  // A firing claimed `w`; it requests stop outside the lock and then marks it done.
  while (!w.done.load(std::memory_order_acquire))
    std::this_thread::yield();
  return true;
}

void deadline_timer::fire(const std::shared_ptr<state>& st, armada::clock::time_point at) {
  std::vector<waiter*> due;
  {
    std::lock_guard guard{st->mtx};
    if (auto i = st->timers.find(at); i != st->timers.end())
      st->timers.erase(i);
    auto now = st->clock->now();
    auto earliest = armada::clock::time_point::max();
    for (auto* w = st->head; w != nullptr;) {
      auto* next = w->next;
      if (w->deadline <= now) {
        unlink(*st, *w);
        due.push_back(w);
      } else if (w->deadline < earliest) {
        earliest = w->deadline;
      }
      w = next;
    }
    if (earliest != armada::clock::time_point::max())
      arm(st, earliest);
  }
  // Outside the lock: stop callbacks run inline and may take other locks.
  for (auto* w : due) {
    w->stop->request_stop();
    w->done.store(true, std::memory_order_release);
  }
}

} // namespace armada::pipz::detail
