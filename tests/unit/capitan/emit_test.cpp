#include <atomic>
#include <future>
#include <thread>

#include "fixture.hpp"
#include "signals.hpp"

using namespace armada;
using namespace armada::test;
using namespace std::chrono_literals;

TEST_F(capitan_test, a_hook_receives_the_typed_fields_of_an_emit) {
  armada::testing::event_capture cap{inst(), order_placed};
  auto r = inst().emit(order_placed, order_id("A-1"), amount(12.5));
  EXPECT_TRUE(r.queued);
  ASSERT_TRUE(cap.wait_for_count(1));
  auto e = cap.events().front();
  EXPECT_EQ(e.signal(), order_placed);
  EXPECT_EQ(order_id.from(e), "A-1");
  EXPECT_EQ(amount.from(e), 12.5);
  EXPECT_EQ(e.level(), capitan::severity::info);
}

TEST_F(capitan_test, the_topic_actor_is_created_lazily_on_the_first_emit) {
  auto l = inst().hook(order_placed, [](const capitan::event&) {});
  EXPECT_FALSE(inst().topic(order_placed));
  EXPECT_EQ(inst().stats().topic_actors, 0u);
  inst().emit(order_placed, order_id("A-1"));
  EXPECT_TRUE(inst().topic(order_placed));
  EXPECT_EQ(inst().stats().topic_actors, 1u);
  EXPECT_FALSE(inst().topic(order_shipped));
}

TEST_F(capitan_test, an_emit_without_listener_is_dropped_and_counted_without_a_topic_actor) {
  auto r = inst().emit(order_shipped, order_id("A-1"));
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(r.dropped, capitan::drop_reason::no_listener);
  auto st = inst().stats();
  EXPECT_EQ(st.dropped(order_shipped, capitan::drop_reason::no_listener), 1u);
  EXPECT_EQ(st.topic_actors, 0u);
}

TEST_F(capitan_test, ten_thousand_events_of_one_signal_arrive_in_emit_order) {
  std::vector<std::int64_t> got;
  got.reserve(10000);
  auto l = inst().hook(order_placed, [&](const capitan::event& e) { got.push_back(*seq.from(e)); });
  for (std::int64_t i = 0; i < 10000; ++i)
    ASSERT_TRUE(inst().emit(order_placed, seq(i)).queued);
  inst().drain();
  ASSERT_EQ(got.size(), 10000u);
  for (std::int64_t i = 0; i < 10000; ++i)
    ASSERT_EQ(got[i], i);
}

TEST_F(capitan_test, a_throwing_hook_does_not_stop_the_other_hooks_and_reaches_the_handler) {
  std::atomic<int> second_calls{0};
  std::atomic<int> handled{0};
  std::string what;
  inst().on_hook_error([&](const capitan::signal& s, std::exception_ptr ep) {
    EXPECT_EQ(s, order_placed);
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      what = ex.what();
    }
    ++handled;
  });
  auto a = inst().hook(order_placed, [](const capitan::event&) { throw std::runtime_error("boom"); });
  auto b = inst().hook(order_placed, [&](const capitan::event&) { ++second_calls; });
  inst().emit(order_placed);
  inst().emit(order_placed);
  inst().drain();
  EXPECT_EQ(second_calls, 2);
  EXPECT_EQ(handled, 2);
  EXPECT_EQ(what, "boom");
  EXPECT_EQ(inst().stats().find(order_placed)->hook_errors, 2u);
}

TEST_F(capitan_test, listeners_run_in_registration_order_and_stay_ordered_after_removals) {
  std::vector<int> order;
  auto a = inst().hook(order_placed, [&](const capitan::event&) { order.push_back(1); });
  auto b = inst().hook(order_placed, [&](const capitan::event&) { order.push_back(2); });
  auto c = inst().hook(order_placed, [&](const capitan::event&) { order.push_back(3); });
  inst().emit(order_placed);
  inst().drain();
  b.close();
  auto d = inst().hook(order_placed, [&](const capitan::event&) { order.push_back(4); });
  inst().emit(order_placed);
  inst().drain();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 1, 3, 4}));
}

TEST_F(capitan_test, a_hook_may_keep_the_event_after_it_returns) {
  std::vector<capitan::event> kept;
  auto l = inst().hook(order_placed, [&](const capitan::event& e) { kept.push_back(e); });
  for (int i = 0; i < 100; ++i)
    inst().emit(order_placed, order_id("id-" + std::to_string(i)));
  inst().drain();
  ASSERT_EQ(kept.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(order_id.from(kept[i]), "id-" + std::to_string(i)); // never recycled under us
}

TEST_F(capitan_test, closing_a_listener_from_inside_its_own_hook_does_not_deadlock) {
  std::atomic<int> calls{0};
  capitan::listener self;
  std::mutex m;
  self = inst().hook(order_placed, [&](const capitan::event&) {
    ++calls;
    std::lock_guard g{m};
    self.close();
  });
  {
    std::lock_guard g{m};
  }
  inst().emit(order_placed);
  inst().drain();
  EXPECT_TRUE(self.closed());
  inst().emit(order_placed);
  inst().drain();
  EXPECT_EQ(calls, 1);
}

TEST_F(capitan_test, close_delivers_what_was_queued_before_it_and_nothing_after) {
  gate g;
  std::vector<std::int64_t> got;
  auto blocker = inst().hook(order_shipped, [](const capitan::event&) {});
  auto l = inst().hook(order_placed, [&](const capitan::event& e) {
    if (*seq.from(e) == 0)
      g.wait();
    got.push_back(*seq.from(e));
  });
  inst().apply(capitan::config{}.set("order.placed", {.buffer_size = 100}));
  for (std::int64_t i = 0; i < 5; ++i)
    inst().emit(order_placed, seq(i));
  ASSERT_TRUE(g.wait_for_arrivals(1));
  l.close();
  auto after = inst().emit(order_placed, seq(99));
  g.open();
  inst().drain();
  EXPECT_EQ(got, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(after.dropped, capitan::drop_reason::no_listener);
}

TEST_F(capitan_test, severity_helpers_set_the_level_and_min_severity_filters_at_emit_time) {
  armada::testing::event_capture cap{inst(), order_placed};
  ASSERT_FALSE(inst().apply(capitan::config{}.set("order.placed", {.min_severity = capitan::severity::warn})));
  EXPECT_EQ(inst().debug(order_placed).dropped, capitan::drop_reason::severity);
  EXPECT_EQ(inst().info(order_placed).dropped, capitan::drop_reason::severity);
  EXPECT_TRUE(inst().warn(order_placed).queued);
  EXPECT_TRUE(inst().error(order_placed).queued);
  ASSERT_TRUE(cap.wait_for_count(2));
  EXPECT_EQ(cap.events()[0].level(), capitan::severity::warn);
  EXPECT_EQ(cap.events()[1].level(), capitan::severity::error);
  EXPECT_EQ(inst().stats().dropped(order_placed, capitan::drop_reason::severity), 2u);
}

TEST_F(capitan_test, a_disabled_signal_drops_every_emit_and_counts_it) {
  armada::testing::event_capture cap{inst(), order_placed};
  ASSERT_FALSE(inst().apply(capitan::config{}.set("order.*", {.disabled = true})));
  EXPECT_EQ(inst().emit(order_placed).dropped, capitan::drop_reason::disabled);
  EXPECT_EQ(inst().stats().dropped(order_placed, capitan::drop_reason::disabled), 1u);
  EXPECT_EQ(cap.count(), 0u);
}

TEST_F(capitan_test, the_context_travels_with_the_event) {
  armada::testing::event_capture cap{inst(), order_placed};
  capitan::context ctx;
  ctx.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  ctx.correlation_id = "corr-1";
  inst().emit(ctx, order_placed, order_id("A"));
  ASSERT_TRUE(cap.wait_for_count(1));
  EXPECT_EQ(cap.events()[0].trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(cap.events()[0].correlation_id(), "corr-1");
}

TEST_F(capitan_test, independent_instances_do_not_see_each_other) {
  auto other = std::make_unique<capitan::instance>(rt_->system());
  std::atomic<int> mine{0}, theirs{0};
  auto a = inst().hook(order_placed, [&](const capitan::event&) { ++mine; });
  auto b = other->hook(order_placed, [&](const capitan::event&) { ++theirs; });
  inst().emit(order_placed);
  inst().drain();
  other->drain();
  EXPECT_EQ(mine, 1);
  EXPECT_EQ(theirs, 0);
}

TEST(capitan_default_instance, the_free_functions_use_the_process_wide_default_instance) {
  std::atomic<int> calls{0};
  auto l = capitan::hook(order_placed, [&](const capitan::event& e) {
    if (order_id.from(e) == "default")
      ++calls;
  });
  capitan::emit(order_placed, order_id("default"));
  capitan::drain();
  EXPECT_EQ(calls, 1);
  EXPECT_GE(capitan::stats().emitted(order_placed), 1u);
  l.close();
}

TEST_F(capitan_test, a_tracked_emit_reports_after_every_hook_returned_with_the_failures) {
  std::atomic<int> hooks_done{0};
  auto a = inst().hook(order_placed, [&](const capitan::event&) { ++hooks_done; });
  auto b = inst().hook(order_placed, [&](const capitan::event&) {
    ++hooks_done;
    throw std::runtime_error("declined");
  });
  std::promise<capitan::delivery> report;
  int hooks_seen_at_report = -1;
  inst().emit_tracked(nullptr, order_placed, capitan::severity::info, {order_id("T-1")},
                      [&](const capitan::delivery& d) {
                        hooks_seen_at_report = hooks_done.load();
                        report.set_value(d);
                      });
  auto d = report.get_future().get();
  EXPECT_TRUE(d.delivered);
  EXPECT_EQ(d.hooks, 2u);
  EXPECT_EQ(d.failed, 1u);
  EXPECT_EQ(hooks_seen_at_report, 2); // reported only after both hooks returned
  try {
    std::rethrow_exception(d.first_error);
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "declined");
  }
}

TEST_F(capitan_test, a_tracked_emit_that_is_dropped_reports_the_reason_at_once) {
  std::optional<capitan::delivery> report;
  auto r = inst().emit_tracked(nullptr, order_shipped, capitan::severity::info, {},
                               [&](const capitan::delivery& d) { report = d; });
  EXPECT_FALSE(r.queued);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->delivered);
  EXPECT_EQ(report->dropped, capitan::drop_reason::no_listener);
}
