#include <filesystem>

#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator{"/proc/self/task"})
    ++n;
  return n;
}

} // namespace

TEST(pipz_timeout, a_fast_child_returns_its_value) {
  auto clock = std::make_shared<armada::manual_clock>();
  timeout<int> t{"t", add("a", 1), 50ms, {.clock = clock}};
  context ctx;
  auto r = t.process(ctx, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
}

TEST(pipz_timeout, calls_share_one_armed_timer_that_disarms_when_idle) {
  auto clock = std::make_shared<armada::manual_clock>();
  timeout<int> t{"t", add("a", 1), 50ms, {.clock = clock}};
  context ctx;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(*t.process(ctx, i), i + 1);
    clock->advance(1ms);
  }
  EXPECT_EQ(clock->pending_timers(), 1u);
  EXPECT_EQ(t.armed_timers(), 1u);
  clock->advance(50ms); // fires with no call in flight: nothing is re-armed
  EXPECT_EQ(clock->pending_timers(), 0u);
  EXPECT_EQ(t.armed_timers(), 0u);
}

TEST(pipz_timeout, each_call_is_cancelled_at_its_own_deadline) {
  auto clock = std::make_shared<armada::manual_clock>();
  gate entered_a, entered_b, never;
  auto slow_a = blocking("a", entered_a, never);
  auto slow_b = blocking("b", entered_b, never);
  auto pick = std::make_shared<switch_<int, int>>("pick", [](context&, const int& x) { return x; });
  pick->add_route(1, slow_a);
  pick->add_route(2, slow_b);
  auto t = std::make_shared<timeout<int>>("t", pick, 50ms, timeout_options{.clock = clock});
  auto a = process_async(t, 1);
  ASSERT_TRUE(entered_a.wait());
  clock->advance(30ms);
  auto b = process_async(t, 2);
  ASSERT_TRUE(entered_b.wait());
  EXPECT_EQ(clock->pending_timers(), 1u) << "b's later deadline needs no timer of its own";
  clock->advance(20ms);
  ASSERT_TRUE(ready(a));
  EXPECT_TRUE(a.get().error().timed_out());
  EXPECT_FALSE(ready(b, 0ms));
  ASSERT_TRUE(clock->wait_for_waiters(1)); // re-armed for b
  clock->advance(30ms);
  ASSERT_TRUE(ready(b));
  EXPECT_TRUE(b.get().error().timed_out());
}

TEST(pipz_timeout, the_child_sees_the_narrowed_deadline) {
  auto clock = std::make_shared<armada::manual_clock>();
  armada::clock::time_point seen{};
  auto probe = std::make_shared<transform<int>>("probe", [&seen](context& ctx, const int& x) {
    seen = ctx.deadline;
    return x;
  });
  timeout<int> t{"t", probe, 50ms, {.clock = clock}};
  context ctx;
  auto start = clock->now();
  ASSERT_TRUE(t.process(ctx, 1).ok());
  EXPECT_EQ(seen, start + 50ms);
}

TEST(pipz_timeout, a_slow_child_is_cancelled_at_the_deadline_and_the_call_times_out) {
  auto clock = std::make_shared<armada::manual_clock>();
  gate entered, never;
  auto t = std::make_shared<timeout<int>>("t", blocking("slow", entered, never), 50ms,
                                          timeout_options{.clock = clock});
  auto running = process_async(t, 7);
  ASSERT_TRUE(entered.wait());
  ASSERT_TRUE(clock->wait_for_waiters(1)); // the armed timer
  clock->advance(49ms);
  EXPECT_FALSE(ready(running, 0ms));
  clock->advance(1ms);
  ASSERT_TRUE(ready(running));
  auto r = running.get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().timed_out());
  EXPECT_TRUE(r.error().is<causes::timeout>());
  EXPECT_EQ(r.error().input(), 7);
  EXPECT_EQ(r.error().message(), "t timed out after 50ms");
  EXPECT_EQ(clock->pending_timers(), 0u);
}

TEST(pipz_timeout, a_call_starts_no_thread) {
  auto clock = std::make_shared<armada::manual_clock>();
  gate entered, release;
  auto t = std::make_shared<timeout<int>>("t", blocking("slow", entered, release), 1h,
                                          timeout_options{.clock = clock});
  auto before = thread_count();
  auto running = process_async(t, 1); // the one thread this test starts
  ASSERT_TRUE(entered.wait());
  EXPECT_EQ(thread_count(), before + 1);
  EXPECT_EQ(clock->pending_timers(), 1u);
  release.open();
  ASSERT_TRUE(ready(running));
  EXPECT_EQ(*running.get(), 2);
}

TEST(pipz_timeout, a_caller_cancellation_reaches_the_child_and_is_not_a_timeout) {
  auto clock = std::make_shared<armada::manual_clock>();
  gate entered, never;
  auto t = std::make_shared<timeout<int>>("t", blocking("slow", entered, never), 1h,
                                          timeout_options{.clock = clock});
  std::stop_source stop;
  auto ctx = std::make_shared<context>();
  ctx->stop = stop.get_token();
  auto running = process_async(t, 1, ctx);
  ASSERT_TRUE(entered.wait());
  stop.request_stop();
  ASSERT_TRUE(ready(running));
  auto r = running.get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().canceled());
  EXPECT_FALSE(r.error().timed_out());
  EXPECT_EQ(r.error().path()[0].name(), "t");
}

TEST(pipz_timeout, the_real_clock_times_out_a_child_that_waits_on_its_token) {
  gate entered, never;
  timeout<int> t{"t",
                 blocking("slow", entered, never),
                 5ms,
                 {.clock = std::make_shared<armada::real_clock>()}};
  context ctx;
  auto r = t.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().timed_out());
}
