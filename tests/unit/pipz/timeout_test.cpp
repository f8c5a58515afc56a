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

TEST(pipz_timeout, a_fast_child_returns_its_value_and_disarms_the_timer) {
  auto clock = std::make_shared<armada::manual_clock>();
  timeout<int> t{"t", add("a", 1), 50ms, {.clock = clock}};
  context ctx;
  auto r = t.process(ctx, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(clock->pending_timers(), 0u);
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
  timeout<int> t{"t", blocking("slow", entered, never), 5ms};
  context ctx;
  auto r = t.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().timed_out());
}
