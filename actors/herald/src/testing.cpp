#include "armada/herald/testing.hpp"

#include "armada/runtime/uuid.hpp"
#include "armada/herald/bridge.hpp"

namespace armada::herald::testing {

caf::expected<publish_receipt> capturing_driver::publish(const message& m) {
  auto r = inner_->publish(m);
  if (r)
    record(m, *r);
  return r;
}

caf::expected<std::vector<publish_receipt>> capturing_driver::publish_batch(const std::vector<message>& ms) {
  auto r = inner_->publish_batch(ms);
  if (r)
    for (std::size_t i = 0; i < ms.size() && i < r->size(); ++i)
      record(ms[i], (*r)[i]);
  return r;
}

void capturing_driver::record(const message& m, const publish_receipt& r) {
  std::lock_guard guard{mtx_};
  published_.push_back(m);
  published_.back().broker = r.broker;
  cv_.notify_all();
}

std::vector<message> capturing_driver::published(const std::string& topic) const {
  std::lock_guard guard{mtx_};
  if (topic.empty())
    return published_;
  std::vector<message> out;
  for (auto& m : published_)
    if (m.topic == topic)
      out.push_back(m);
  return out;
}

bool capturing_driver::wait_for_count(std::size_t n, const std::string& topic,
                                      std::chrono::milliseconds timeout) const {
  std::unique_lock lock{mtx_};
  return cv_.wait_for(lock, timeout, [&] {
    std::size_t count = 0;
    for (auto& m : published_)
      if (topic.empty() || m.topic == topic)
        ++count;
    return count >= n;
  });
}

message make_message(std::string topic, std::string payload, std::map<std::string, std::string> metadata) {
  message m;
  m.id = uuid::random().to_string();
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.metadata = std::move(metadata);
  m.published = std::chrono::system_clock::now();
  return m;
}

caf::expected<message> event_message(std::string topic, const capitan::event& e) {
  auto m = event_to_message(e);
  if (!m)
    return m.error();
  m->id = uuid::random().to_string();
  m->topic = std::move(topic);
  m->published = std::chrono::system_clock::now();
  return m;
}

} // namespace armada::herald::testing
