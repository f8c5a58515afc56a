#include "inbox.hpp"

#include <charconv>

namespace armada::herald::io::detail {

std::uint64_t inbox::position(const message& m) {
  std::uint64_t pos = 0;
  std::from_chars(m.broker.data(), m.broker.data() + m.broker.size(), pos);
  return pos;
}

std::uint64_t inbox::attach(const std::string& topic) {
  ++topics_[topic].subscriptions;
  return next_sub_++;
}

void inbox::detach(const std::string& topic, std::uint64_t sub) {
  auto t = topics_.find(topic);
  if (t == topics_.end())
    return;
  auto& st = t->second;
  if (st.subscriptions > 0)
    --st.subscriptions;
  auto now = clock_type::now();
  for (auto i = st.in_flight.begin(); i != st.in_flight.end();) {
    if (i->second.sub == sub) {
      auto m = std::move(i->second.msg);
      ++m.attempt;
      st.redeliver.emplace(now, std::move(m));
      i = st.in_flight.erase(i);
    } else {
      ++i;
    }
  }
  if (st.subscriptions == 0 && st.waiting.empty() && st.in_flight.empty() && st.redeliver.empty())
    topics_.erase(t);
}

bool inbox::make_room() {
  if (waiting_ < backlog_)
    return true;
  for (auto& [name, st] : topics_) {
    if (st.subscriptions == 0 && !st.waiting.empty()) {
      st.waiting.pop_front();
      --waiting_;
      ++dropped_;
      return true;
    }
  }
  return false;
}

void inbox::push(message m) {
  auto& st = topics_[m.topic];
  st.waiting.push_back(std::move(m));
  ++waiting_;
}

std::vector<message> inbox::take(const std::string& topic, std::uint64_t sub, std::size_t max,
                                 clock_type::time_point now) {
  std::vector<message> out;
  auto t = topics_.find(topic);
  if (t == topics_.end())
    return out;
  auto& st = t->second;
  auto hand_out = [&](message m) {
    st.in_flight.insert_or_assign(position(m), handed_out{sub, m});
    out.push_back(std::move(m));
  };
  while (out.size() < max && !st.redeliver.empty() && st.redeliver.begin()->first <= now) {
    auto m = std::move(st.redeliver.begin()->second);
    st.redeliver.erase(st.redeliver.begin());
    hand_out(std::move(m));
  }
  while (out.size() < max && !st.waiting.empty()) {
    auto m = std::move(st.waiting.front());
    st.waiting.pop_front();
    --waiting_;
    hand_out(std::move(m));
  }
  return out;
}

std::optional<inbox::clock_type::time_point> inbox::next_due(const std::string& topic) const {
  auto t = topics_.find(topic);
  if (t == topics_.end() || t->second.redeliver.empty())
    return std::nullopt;
  return t->second.redeliver.begin()->first;
}

void inbox::ack(const std::string& topic, std::uint64_t sub, const message& m) {
  auto t = topics_.find(topic);
  if (t == topics_.end())
    return;
  auto i = t->second.in_flight.find(position(m));
  if (i != t->second.in_flight.end() && i->second.sub == sub)
    t->second.in_flight.erase(i);
}

void inbox::nack(const std::string& topic, std::uint64_t sub, const message& m,
                 std::chrono::milliseconds delay, clock_type::time_point now) {
  auto t = topics_.find(topic);
  if (t == topics_.end())
    return;
  auto& st = t->second;
  auto i = st.in_flight.find(position(m));
  if (i == st.in_flight.end() || i->second.sub != sub)
    return;
  auto again = std::move(i->second.msg);
  st.in_flight.erase(i);
  ++again.attempt;
  st.redeliver.emplace(now + delay, std::move(again));
}

} // namespace armada::herald::io::detail
