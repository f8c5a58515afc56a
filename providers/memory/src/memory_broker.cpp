#include "memory_broker.hpp"

#include <algorithm>

namespace armada::herald::memory {

std::uint64_t memory_broker::publish(message m) {
  std::lock_guard guard{mtx_};
  auto& t = topics_[m.topic];
  auto offset = t.base + t.log.size();
  m.broker = m.topic + ":" + std::to_string(offset);
  t.log.push_back(std::move(m));
  trim(t);
  cv_.notify_all();
  return offset;
}

void memory_broker::trim(topic_state& t) {
  if (t.log.size() <= retention_)
    return;
  // Drop the oldest messages that every group is done with (never an unacked one).
  auto done_below = t.base + t.log.size();
  for (auto& [name, g] : t.groups) {
    auto low = g.next;
    if (!g.in_flight.empty())
      low = std::min(low, g.in_flight.begin()->first);
    for (auto& [due, off] : g.redeliver)
      low = std::min(low, off);
    done_below = std::min(done_below, low);
  }
  while (t.log.size() > retention_ && t.base < done_below) {
    t.log.pop_front();
    ++t.base;
  }
}

std::vector<message> memory_broker::fetch(const std::string& topic, const std::string& group,
                                          std::uint64_t subscriber, std::size_t max,
                                          std::chrono::milliseconds wait) {
  std::unique_lock lock{mtx_};
  auto deadline = clock_type::now() + wait;
  std::vector<message> out;
  for (;;) {
    auto& t = topics_[topic];
    auto& g = t.groups[group];
    if (g.next < t.base)
      g.next = t.base;
    auto now = clock_type::now();
    auto take = [&](std::uint64_t offset) {
      auto m = t.log[offset - t.base];
      m.attempt = ++g.attempts[offset];
      g.in_flight[offset] = lease{subscriber};
      out.push_back(std::move(m));
    };
    // Redeliveries first (oldest due first), then new messages in order.
    while (out.size() < max && !g.redeliver.empty() && g.redeliver.begin()->first <= now) {
      auto offset = g.redeliver.begin()->second;
      g.redeliver.erase(g.redeliver.begin());
      if (offset >= t.base)
        take(offset);
    }
    while (out.size() < max && g.next < t.base + t.log.size())
      take(g.next++);
    if (!out.empty() || now >= deadline)
      return out;
    auto until = deadline;
    if (!g.redeliver.empty())
      until = std::min(until, g.redeliver.begin()->first);
    cv_.wait_until(lock, until);
  }
}

void memory_broker::ack(const std::string& topic, const std::string& group, std::uint64_t offset) {
  std::lock_guard guard{mtx_};
  auto& g = topics_[topic].groups[group];
  g.in_flight.erase(offset);
  g.attempts.erase(offset);
}

void memory_broker::ack(const std::string& topic, const std::string& group,
                        const std::vector<std::uint64_t>& offsets) {
  std::lock_guard guard{mtx_};
  auto& g = topics_[topic].groups[group];
  for (auto offset : offsets) {
    g.in_flight.erase(offset);
    g.attempts.erase(offset);
  }
}

void memory_broker::nack(const std::string& topic, const std::string& group, std::uint64_t offset,
                         std::chrono::milliseconds delay) {
  std::lock_guard guard{mtx_};
  auto& g = topics_[topic].groups[group];
  if (g.in_flight.erase(offset) == 0)
    return;
  g.redeliver.emplace(clock_type::now() + delay, offset);
  cv_.notify_all();
}

void memory_broker::release(const std::string& topic, const std::string& group, std::uint64_t subscriber) {
  std::lock_guard guard{mtx_};
  auto& g = topics_[topic].groups[group];
  auto now = clock_type::now();
  for (auto i = g.in_flight.begin(); i != g.in_flight.end();) {
    if (i->second.subscriber == subscriber) {
      g.redeliver.emplace(now, i->first);
      i = g.in_flight.erase(i);
    } else {
      ++i;
    }
  }
  cv_.notify_all();
}

void memory_broker::wake_all() {
  std::lock_guard guard{mtx_};
  cv_.notify_all();
}

} // namespace armada::herald::memory
