// What a subscriber tells its user when the broker side fails (a test double of the provider
// interface whose fetch fails, so the failure is exact and immediate).

#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/herald/memory.hpp"
#include "armada/herald/testing.hpp"
#include "armada/testing.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

class broken_subscription final : public herald::subscription_driver {
public:
  caf::expected<std::vector<herald::message>> fetch(std::size_t, std::chrono::milliseconds) override {
    return herald::make_error(herald::errc::transport,
                              "broken provider: connection reset by peer; is the broker running?");
  }
  caf::error ack(const herald::message&) override { return caf::none; }
  caf::error nack(const herald::message&, std::chrono::milliseconds) override { return caf::none; }
  void close() override {}
};

class broken_driver final : public herald::driver {
public:
  std::string provider() const override { return "broken"; }
  herald::features features() const override { return {}; }
  caf::expected<herald::publish_receipt> publish(const herald::message&) override {
    return herald::make_error(herald::errc::transport, "broken provider: no");
  }
  caf::expected<std::unique_ptr<herald::subscription_driver>> subscribe(const std::string&,
                                                                         const herald::subscribe_options&) override {
    return std::unique_ptr<herald::subscription_driver>{std::make_unique<broken_subscription>()};
  }
  caf::expected<std::chrono::nanoseconds> ping() override { return std::chrono::nanoseconds{1}; }
  void close() override {}
};

} // namespace

TEST(herald_subscription, a_failing_fetch_becomes_a_herald_error_event_naming_the_cause) {
  auto rt = runtime::start(std::make_unique<config>());
  capitan::instance events{rt->system()};
  armada::testing::event_capture errors{events, herald::signals::error};
  auto conn = herald::connect(rt->system(), std::make_shared<broken_driver>());
  herald::subscriber_options opts;
  opts.events = &events;
  auto sub = herald::subscribe(conn, "orders", [](const herald::message&) {}, opts);
  ASSERT_TRUE(sub) << describe(sub.error());
  ASSERT_TRUE(errors.wait_for_count(1, 10s));
  auto e = errors.events()[0];
  EXPECT_EQ(herald::signals::operation.from(e), "fetch");
  EXPECT_EQ(herald::signals::code.from(e), "transport");
  EXPECT_EQ(herald::signals::topic.from(e), "orders");
  EXPECT_NE(herald::signals::detail.from(e).value_or("").find("connection reset by peer"), std::string::npos);
  auto st = sub->subscription_stats();
  ASSERT_TRUE(st);
  EXPECT_GE(st->fetch_errors, 1u);
  sub->close();
  conn.close();
}

TEST(herald_testing, the_capturing_driver_records_what_a_bridge_published) {
  auto rt = runtime::start(std::make_unique<config>());
  auto inner = herald::memory::make_driver("memory://capture-test");
  ASSERT_TRUE(inner) << describe(inner.error());
  auto capture = std::make_shared<herald::testing::capturing_driver>(*inner);
  auto conn = herald::connect(rt->system(), capture);
  capitan::instance bus{rt->system()};
  capitan::signal placed{"test.capture.placed"};
  capitan::key<std::string> id{"order_id"};
  auto out = herald::bridge_out(bus, conn, placed, "orders", {.key_field = "order_id"});
  ASSERT_TRUE(out);
  bus.emit(placed, id("A-9"));
  ASSERT_TRUE(capture->wait_for_count(1, "orders"));
  auto m = capture->published("orders")[0];
  EXPECT_EQ(m.key, "A-9");
  EXPECT_EQ(m.meta("type"), "test.capture.placed");
  auto expected = herald::testing::event_message("orders", capitan::event::make(placed, capitan::severity::info, {id("A-9")}));
  ASSERT_TRUE(expected);
  EXPECT_EQ(expected->meta("content-type"), m.meta("content-type"));
  out->close();
  conn.close();
}
