// What a subscriber tells its user when the broker side fails (a test double of the provider
// interface whose fetch fails, so the failure is exact and immediate).

#include <algorithm>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>
#include <mutex>

#include <caf/scoped_actor.hpp>
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

/// Hands out `total` messages whose decoding it leaves for later: fetch gives the raw form
/// ("raw:N", no id), decode_batch the finished one, and each records the thread it ran on.
class late_decoding_subscription final : public herald::subscription_driver {
public:
  explicit late_decoding_subscription(int total) : total_(total) {}

  caf::expected<std::vector<herald::message>> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    std::vector<herald::message> out;
    {
      std::lock_guard guard{mtx};
      fetch_threads.insert(std::this_thread::get_id());
      for (; next_ < total_ && out.size() < std::min<std::size_t>(max, 7); ++next_) {
        herald::message m;
        m.payload = "raw:" + std::to_string(next_);
        m.broker = std::to_string(next_);
        out.push_back(std::move(m));
      }
    }
    if (out.empty())
      std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds{5})); // the broker's wait
    return out;
  }
  caf::error ack(const herald::message& m) override {
    std::lock_guard guard{mtx};
    acked.push_back(m.broker);
    return caf::none;
  }
  caf::error nack(const herald::message&, std::chrono::milliseconds) override { return caf::none; }
  void close() override {}
  bool decodes_later() const override { return true; }
  void decode_batch(std::vector<herald::message>& batch) const override {
    {
      std::lock_guard guard{mtx};
      decode_threads.insert(std::this_thread::get_id());
    }
    for (auto& m : batch) {
      m.payload = m.payload.substr(4);
      m.id = "m-" + m.payload;
    }
  }

  mutable std::mutex mtx;
  mutable std::set<std::thread::id> fetch_threads;
  mutable std::set<std::thread::id> decode_threads;
  std::vector<std::string> acked;

private:
  int total_;
  int next_ = 0;
};

class late_decoding_driver final : public herald::driver {
public:
  explicit late_decoding_driver(late_decoding_subscription* sub) : sub_(sub) {}
  std::string provider() const override { return "late-decoding"; }
  herald::features features() const override { return {}; }
  caf::expected<herald::publish_receipt> publish(const herald::message&) override {
    return herald::make_error(herald::errc::transport, "late-decoding provider: reads only");
  }
  caf::expected<std::unique_ptr<herald::subscription_driver>> subscribe(const std::string&,
                                                                         const herald::subscribe_options&) override {
    return std::unique_ptr<herald::subscription_driver>{sub_};
  }
  caf::expected<std::chrono::nanoseconds> ping() override { return std::chrono::nanoseconds{1}; }
  void close() override {}

private:
  late_decoding_subscription* sub_; // handed over once, to the subscription actor
};

} // namespace

TEST(herald_subscription, a_driver_that_decodes_later_has_its_batches_decoded_off_the_fetch_thread_in_order) {
  auto rt = runtime::start(std::make_unique<config>());
  auto* raw = new late_decoding_subscription{100};
  auto conn = herald::connect(rt->system(), std::make_shared<late_decoding_driver>(raw));
  std::mutex mtx;
  std::vector<std::string> seen;
  std::condition_variable cv;
  auto sub = herald::subscribe(
    conn, "orders",
    [&](const herald::message& m) {
      std::lock_guard guard{mtx};
      seen.push_back(m.id + "/" + m.payload);
      cv.notify_all();
    },
    herald::subscriber_options{.prefetch = 10});
  ASSERT_TRUE(sub) << describe(sub.error());
  {
    std::unique_lock lock{mtx};
    ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return seen.size() >= 100; })) << seen.size() << " of 100";
  }
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(seen[i], "m-" + std::to_string(i) + "/" + std::to_string(i)); // decoded, in fetch order
  ASSERT_TRUE(armada::testing::wait_until([&] {
    std::lock_guard guard{raw->mtx};
    return raw->acked.size() == 100;
  }));
  {
    std::lock_guard guard{raw->mtx};
    EXPECT_EQ(raw->fetch_threads.size(), 1u); // the subscription actor's own thread
    ASSERT_FALSE(raw->decode_threads.empty());
    for (auto& t : raw->decode_threads)
      EXPECT_EQ(raw->fetch_threads.count(t), 0u) << "decoded on the fetch thread";
  }
  sub->close();
  conn.close();
}

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

TEST(herald_bridge_out, get_state_on_its_publisher_actor_counts_what_went_out_with_the_latency) {
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::memory::connect(rt->system(), "memory://bridge-out-state");
  ASSERT_TRUE(conn);
  capitan::instance bus{rt->system()};
  capitan::signal placed{"test.bridge_out_state.placed"};
  capitan::key<std::string> id{"order_id"};
  auto out = herald::bridge_out(bus, *conn, placed, "orders", {.key_field = "order_id"});
  ASSERT_TRUE(out);
  for (int i = 0; i < 5; ++i)
    bus.emit(placed, id("A-" + std::to_string(i)));
  bus.drain();                   // the hook took all five
  ASSERT_TRUE(out->flush(10s));  // and the broker acknowledged them
  ASSERT_TRUE(out->actor());
  caf::scoped_actor self{rt->system()};
  std::optional<herald::bridge_out_state> st;
  self->request(out->actor(), 10s, herald::get_state_atom::value)
    .receive([&](herald::bridge_out_state& x) { st = std::move(x); },
             [&](caf::error& e) { FAIL() << describe(e); });
  ASSERT_TRUE(st);
  EXPECT_EQ(st->signal, "test.bridge_out_state.placed");
  EXPECT_EQ(st->topic, "orders");
  EXPECT_EQ(st->published, 5u);
  EXPECT_EQ(st->failed, 0u);
  EXPECT_EQ(st->pending, 0);
  EXPECT_EQ(st->publish_latency.count, 5u);
  EXPECT_GT(st->publish_latency.max_us, 0.0);
  EXPECT_EQ(out->stats().published, 5u) << "stats() and get_state agree";
  out->close();
  conn->close();
}

TEST(herald_subscriber, concurrency_runs_handlers_in_parallel_and_keeps_per_key_order) {
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::memory::connect(rt->system(), "memory://concurrency-test");
  ASSERT_TRUE(conn);
  std::mutex mtx;
  std::condition_variable cv;
  int inside = 0;
  bool overlapped = false;
  std::map<std::string, std::vector<int>> seen;
  std::size_t total = 0;
  std::set<std::thread::id> threads;
  herald::subscriber_options opts;
  opts.concurrency = 4;
  auto sub = herald::subscribe(*conn, "work", [&](const herald::message& m) {
    std::unique_lock lock{mtx};
    ++inside;
    cv.notify_all();
    if (inside >= 2)
      overlapped = true;
    // Until two handlers were seen running at once, a handler waits (bounded) for a second.
    if (!overlapped)
      cv.wait_for(lock, 5s, [&] { return overlapped || inside >= 2; });
    if (inside >= 2)
      overlapped = true;
    seen[m.key].push_back(std::stoi(m.payload));
    threads.insert(std::this_thread::get_id());
    ++total;
    --inside;
    cv.notify_all();
  }, opts);
  ASSERT_TRUE(sub) << describe(sub.error());
  for (int i = 0; i < 40; ++i) {
    auto m = herald::testing::make_message("work", std::to_string(i));
    m.key = "k" + std::to_string(i % 5);
    ASSERT_TRUE(conn->publish(m));
  }
  {
    std::unique_lock lock{mtx};
    ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return total >= 40; })) << "handled " << total << ", overlapped " << overlapped << ", threads " << threads.size();
  }
  EXPECT_TRUE(overlapped) << "no two handlers ever ran at the same time";
  for (auto& [key, order] : seen)
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << key;
  sub->close();
  conn->close();
}

TEST(herald_subscriber, a_completion_called_again_settles_nothing_not_even_the_redelivery_of_its_message) {
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::memory::connect(rt->system(), "memory://completion-twice");
  ASSERT_TRUE(conn);
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::pair<std::uint32_t, herald::completion>> deliveries; // attempt, its completion
  herald::subscriber_options opts;
  opts.redelivery_base = 1ms;
  auto sub = herald::subscribe(*conn, "twice", [&](const herald::message& m, herald::completion done) {
    std::lock_guard lock{mtx};
    deliveries.emplace_back(m.attempt, std::move(done));
    cv.notify_all();
  }, opts);
  ASSERT_TRUE(sub) << describe(sub.error());
  ASSERT_TRUE(conn->publish(herald::testing::make_message("twice", "x")));
  auto wait_for = [&](std::size_t n) {
    std::unique_lock lock{mtx};
    return cv.wait_for(lock, 10s, [&] { return deliveries.size() >= n; });
  };
  ASSERT_TRUE(wait_for(1));
  auto first = deliveries[0].second;
  first(herald::make_error(herald::errc::nack, "try again"));
  ASSERT_TRUE(wait_for(2)) << "the nacked message was not redelivered";
  EXPECT_EQ(deliveries[1].first, 2u);
  // The first delivery's completion again, now with success: its delivery is settled already.
  // It must not ack the redelivery still being handled (state() is answered after it).
  first(caf::none);
  auto st = sub->state();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->acked, 0u);
  EXPECT_EQ(st->nacked, 1u);
  EXPECT_EQ(st->in_flight, 1);
  auto second = deliveries[1].second;
  second(caf::none);
  second(caf::none);
  st = sub->state();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->acked, 1u) << "acked once, whatever the number of calls";
  EXPECT_EQ(st->in_flight, 0);
  sub->close();
  conn->close();
}

TEST(herald_subscriber, handle_latency_counts_each_message_with_the_time_its_handler_took) {
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::memory::connect(rt->system(), "memory://latency");
  ASSERT_TRUE(conn);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(conn->publish(herald::testing::make_message("slow", std::to_string(i))));
  std::mutex mtx;
  std::condition_variable cv;
  int handled = 0;
  auto sub = herald::subscribe(*conn, "slow", [&](const herald::message&) {
    std::this_thread::sleep_for(10ms); // the handler's work, which the latency must show
    std::lock_guard lock{mtx};
    ++handled;
    cv.notify_all();
  });
  ASSERT_TRUE(sub) << describe(sub.error());
  {
    std::unique_lock lock{mtx};
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return handled == 3; }));
  }
  ASSERT_TRUE(armada::testing::wait_until([&] {
    auto st = sub->state();
    return st && st->acked == 3;
  }));
  auto st = sub->state();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->handle_latency.count, 3u);
  EXPECT_GE(st->handle_latency.mean_us, 10000.0) << "each handler took 10 ms at least";
  EXPECT_GE(st->handle_latency.max_us, st->handle_latency.mean_us);
  sub->close();
  conn->close();
}
