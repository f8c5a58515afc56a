// The publisher pipeline over a driver that fails on purpose (a test double of the provider
// interface, so the resilience options can be driven exactly; providers themselves run the
// conformance suite against real servers).

#include <atomic>
#include <future>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "armada/herald.hpp"
#include "armada/herald/memory.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

class flaky_driver final : public herald::driver {
public:
  explicit flaky_driver(int failures) : failures_(failures) {}
  std::string provider() const override { return "flaky"; }
  herald::features features() const override { return {}; }
  caf::expected<herald::publish_receipt> publish(const herald::message& m) override {
    ++calls;
    if (failures_-- > 0)
      return herald::make_error(herald::errc::transport, "flaky provider: broker said no");
    return herald::publish_receipt{m.id, "ok"};
  }
  caf::expected<std::unique_ptr<herald::subscription_driver>> subscribe(const std::string&,
                                                                         const herald::subscribe_options&) override {
    return herald::make_error(herald::errc::config, "flaky provider: no subscriptions");
  }
  caf::expected<std::chrono::nanoseconds> ping() override { return std::chrono::nanoseconds{1}; }
  void close() override {}
  std::atomic<int> calls{0};

private:
  std::atomic<int> failures_;
};

herald::message message_of(std::string payload) {
  herald::message m;
  m.payload = std::move(payload);
  return m;
}

std::vector<std::string> names_in_order(const nlohmann::json& node) {
  std::vector<std::string> out{node.at("name").get<std::string>()};
  if (node.contains("children"))
    for (auto& c : node.at("children")) {
      auto sub = names_in_order(c);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  return out;
}

} // namespace

TEST(herald_publisher, the_option_order_is_fixed_whatever_order_the_options_are_given_in) {
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::connect(rt->system(), std::make_shared<flaky_driver>(0));
  herald::publish_options opts;
  for (auto& o : std::vector<herald::publish_option>{herald::timeout(1s), herald::retry(3),
                                                     herald::middleware([](herald::message&) {}),
                                                     herald::rate_limit(1000, 10),
                                                     herald::circuit_breaker(5, 30s)})
    o(opts);
  herald::raw_publisher pub{conn, "orders", opts};
  auto names = names_in_order(nlohmann::json::parse(pub.schema_json()));
  EXPECT_EQ(names, (std::vector<std::string>{"publisher", "middleware_0", "rate_limit",
                                             "circuit_breaker", "retry", "timeout", "publish"}));
  conn.close();
}

TEST(herald_publisher, retry_publishes_again_until_the_broker_acknowledges) {
  auto rt = runtime::start(std::make_unique<config>());
  auto drv = std::make_shared<flaky_driver>(2);
  auto conn = herald::connect(rt->system(), drv);
  herald::publisher<std::string> pub{conn, "orders", herald::retry(3)};
  auto r = pub.publish("hello");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(drv->calls, 3);
  EXPECT_EQ(r->broker, "ok");
  conn.close();
}

TEST(herald_publisher, a_failure_after_the_last_attempt_is_a_transport_error_seen_by_on_error) {
  auto rt = runtime::start(std::make_unique<config>());
  auto drv = std::make_shared<flaky_driver>(100);
  auto conn = herald::connect(rt->system(), drv);
  std::atomic<int> seen{0};
  herald::publisher<std::string> pub{conn, "orders", herald::retry(2),
                                     herald::on_error([&](const herald::message&, const caf::error&) { ++seen; })};
  auto r = pub.publish("hello");
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::transport);
  EXPECT_NE(describe(r.error()).find("broker said no"), std::string::npos) << describe(r.error());
  EXPECT_EQ(drv->calls, 2);
  EXPECT_EQ(seen, 1);
  conn.close();
}

TEST(herald_publisher, an_open_circuit_breaker_refuses_without_calling_the_broker) {
  auto rt = runtime::start(std::make_unique<config>());
  auto drv = std::make_shared<flaky_driver>(100);
  auto conn = herald::connect(rt->system(), drv);
  auto clk = std::make_shared<manual_clock>();
  herald::publisher<std::string> pub{conn, "orders", herald::circuit_breaker(2, 30s), herald::clock(clk)};
  EXPECT_FALSE(pub.publish("a"));
  EXPECT_FALSE(pub.publish("b"));
  auto refused = pub.publish("c");
  ASSERT_FALSE(refused);
  EXPECT_EQ(herald::code_of(refused.error()), herald::errc::circuit_open) << describe(refused.error());
  EXPECT_EQ(drv->calls, 2);
  conn.close();
}

TEST(herald_publisher, a_filtered_message_is_not_published_and_not_an_error) {
  auto rt = runtime::start(std::make_unique<config>());
  auto drv = std::make_shared<flaky_driver>(0);
  auto conn = herald::connect(rt->system(), drv);
  herald::raw_publisher pub{conn, "orders", [] {
                              herald::publish_options o;
                              herald::filter([](const herald::message& m) { return m.payload != "skip"; })(o);
                              return o;
                            }()};
  EXPECT_TRUE(pub.publish(message_of("skip")));
  EXPECT_EQ(drv->calls, 0);
  EXPECT_TRUE(pub.publish(message_of("keep")));
  EXPECT_EQ(drv->calls, 1);
  conn.close();
}

TEST(herald_publisher, middleware_edits_the_message_before_it_is_published) {
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::memory::connect(rt->system(), "memory://middleware");
  ASSERT_TRUE(conn);
  herald::publisher<std::string> pub{*conn, "orders",
                                     herald::middleware([](herald::message& m) { m.metadata["x-tenant"] = "acme"; })};
  ASSERT_TRUE(pub.publish("hello", "k"));
  std::promise<herald::message> got;
  auto sub = herald::subscribe(*conn, "orders", [&](const herald::message& m) { got.set_value(m); });
  ASSERT_TRUE(sub);
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  auto m = f.get();
  EXPECT_EQ(m.meta("x-tenant"), "acme");
  EXPECT_EQ(m.meta("content-type"), "application/octet-stream");
  sub->close();
  conn->close();
}
