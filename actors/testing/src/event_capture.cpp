#include "armada/testing/event_capture.hpp"

namespace armada::testing {

event_capture::event_capture(capitan::instance& inst, const capitan::signal& s) {
  listener_ = inst.hook(s, [this](const capitan::event& e) { add(e); });
}

event_capture::event_capture(capitan::instance& inst) {
  observer_ = inst.observe([this](const capitan::event& e) { add(e); });
}

event_capture::~event_capture() {
  listener_.close();
  observer_.close();
}

void event_capture::add(const capitan::event& e) {
  std::lock_guard guard{mtx_};
  events_.push_back(e);
  cv_.notify_all();
}

bool event_capture::wait_for_count(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock{mtx_};
  return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
}

std::size_t event_capture::count() const {
  std::lock_guard guard{mtx_};
  return events_.size();
}

std::vector<capitan::event> event_capture::events() const {
  std::lock_guard guard{mtx_};
  return events_;
}

} // namespace armada::testing
