#include "armada/herald/lease_keeper.hpp"

#include <algorithm>

namespace armada::herald {

using namespace std::chrono_literals;

lease_keeper::lease_keeper(std::chrono::milliseconds term, renew_fn renew) : term_(term), renew_(std::move(renew)) {}

lease_keeper::~lease_keeper() {
  (void)stop();
}

void lease_keeper::start() {
  thread_ = std::thread{[this] { run(); }};
}

void lease_keeper::hold(const std::string& id) {
  std::lock_guard lock{mtx_};
  held_[id] = clock::now() + term_;
}

void lease_keeper::release(const std::string& id) {
  std::lock_guard lock{mtx_};
  held_.erase(id);
}

std::vector<std::string> lease_keeper::stop() {
  {
    std::lock_guard lock{mtx_}; // the thread is now either waiting or sees stopped_
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard lock{mtx_};
  std::vector<std::string> out;
  for (auto& [id, until] : held_)
    out.push_back(id);
  held_.clear();
  return out;
}

void lease_keeper::run() {
  std::unique_lock lock{mtx_};
  while (!stopped_) {
    cv_.wait_for(lock, std::max<std::chrono::milliseconds>(term_ / 4, 250ms), [&] { return stopped_.load(); });
    if (stopped_)
      break;
    auto now = clock::now();
    std::vector<std::string> due;
    for (auto& [id, until] : held_)
      if (until - now < term_ / 2)
        due.push_back(id);
    if (due.empty())
      continue;
    lock.unlock();
    renew_(due);
    lock.lock();
    auto until = clock::now() + term_;
    for (auto& id : due)
      if (auto i = held_.find(id); i != held_.end())
        i->second = until;
  }
}

} // namespace armada::herald
