#include "armada/herald/memory.hpp"

#include <charconv>
#include <map>
#include <mutex>

#include "armada/herald/errc.hpp"
#include "memory_broker.hpp"

namespace armada::herald::memory {

namespace {

std::uint64_t offset_of(const message& m) {
  auto colon = m.broker.rfind(':');
  std::uint64_t off = 0;
  if (colon != std::string::npos)
    std::from_chars(m.broker.data() + colon + 1, m.broker.data() + m.broker.size(), off);
  return off;
}

class memory_subscription final : public subscription_driver {
public:
  memory_subscription(std::shared_ptr<memory_broker> b, std::string topic, std::string group)
    : broker_(std::move(b)), topic_(std::move(topic)), group_(std::move(group)),
      id_(broker_->next_subscriber_id()) {}

  ~memory_subscription() override { close(); }

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    if (closed_)
      return make_error(errc::closed, "memory provider: the subscription to '" + topic_ + "' is closed");
    return broker_->fetch(topic_, group_, id_, max, wait);
  }

  caf::error ack(const message& m) override {
    broker_->ack(topic_, group_, offset_of(m));
    return caf::none;
  }

  caf::error ack_batch(const std::vector<message>& ms) override {
    std::vector<std::uint64_t> offsets;
    offsets.reserve(ms.size());
    for (auto& m : ms)
      offsets.push_back(offset_of(m));
    broker_->ack(topic_, group_, offsets);
    return caf::none;
  }

  caf::error nack(const message& m, std::chrono::milliseconds delay) override {
    broker_->nack(topic_, group_, offset_of(m), delay);
    return caf::none;
  }

  void close() override {
    if (closed_.exchange(true))
      return;
    broker_->release(topic_, group_, id_);
  }

private:
  std::shared_ptr<memory_broker> broker_;
  std::string topic_;
  std::string group_;
  std::uint64_t id_;
  std::atomic<bool> closed_{false};
};

class memory_driver final : public driver {
public:
  explicit memory_driver(std::shared_ptr<memory_broker> b) : broker_(std::move(b)) {}

  std::string provider() const override { return "memory"; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;
    f.guaranteed_order = true;
    f.persistent = false; // lives as long as the process
    f.new_subscriber_receives_old = true;
    f.nack_delay = true;
    f.retains_messages = true;
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    if (closed_)
      return make_error(errc::closed, "memory provider: the connection is closed; connect again");
    auto copy = m;
    copy.attempt = 0;
    auto offset = broker_->publish(std::move(copy));
    return publish_receipt{m.id, m.topic + ":" + std::to_string(offset)};
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (closed_)
      return make_error(errc::closed, "memory provider: the connection is closed; connect again");
    if (topic.empty())
      return make_error(errc::config, "memory provider: subscribe needs a topic name");
    return std::unique_ptr<subscription_driver>{
      std::make_unique<memory_subscription>(broker_, topic, opts.group)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    if (closed_)
      return make_error(errc::closed, "memory provider: the connection is closed; connect again");
    auto start = std::chrono::steady_clock::now();
    broker_->wake_all(); // a round trip through the broker's lock
    return std::chrono::steady_clock::now() - start;
  }

  void close() override { closed_ = true; }

private:
  std::shared_ptr<memory_broker> broker_;
  std::atomic<bool> closed_{false};
};

std::shared_ptr<memory_broker> broker_named(const std::string& name, std::size_t retention) {
  static std::mutex mtx;
  static std::map<std::string, std::weak_ptr<memory_broker>> brokers;
  std::lock_guard guard{mtx};
  auto& slot = brokers[name];
  if (auto b = slot.lock())
    return b;
  auto b = std::make_shared<memory_broker>(retention);
  slot = b;
  return b;
}

} // namespace

const std::vector<property_spec>& property_specs() {
  static const std::vector<property_spec> specs{
    {"retention", property_spec::kind::integer, "100000",
     "messages kept per topic once every group has acked them"},
  };
  return specs;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "memory")
    return make_error(errc::config, "memory provider: URL scheme must be 'memory', got '" + u->scheme
                                      + "' (memory://NAME)");
  auto props = properties::resolve("memory", *u, property_specs());
  if (!props)
    return props.error();
  auto name = u->host.empty() ? std::string{"default"} : u->host;
  auto retention = props->integer("retention");
  if (retention <= 0)
    return make_error(errc::config, "memory provider: property 'retention' must be > 0");
  return std::shared_ptr<driver>{
    std::make_shared<memory_driver>(broker_named(name, static_cast<std::size_t>(retention)))};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), url::parse(text)->text);
}

} // namespace armada::herald::memory
