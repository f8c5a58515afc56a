#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

std::shared_ptr<armada::manual_clock> make_clock() {
  return std::make_shared<armada::manual_clock>();
}

} // namespace

TEST(pipz_backoff, waits_grow_exponentially_up_to_the_cap) {
  backoff<int> b{"b", add("a", 1), {.base_delay = 100ms, .multiplier = 2.0, .max_delay = 1s}};
  EXPECT_EQ(b.delay_for(1, 0.0), 100ms);
  EXPECT_EQ(b.delay_for(2, 0.0), 200ms);
  EXPECT_EQ(b.delay_for(3, 0.0), 400ms);
  EXPECT_EQ(b.delay_for(4, 0.0), 800ms);
  EXPECT_EQ(b.delay_for(5, 0.0), 1s);
  EXPECT_EQ(b.delay_for(60, 0.0), 1s);
}

TEST(pipz_backoff, jitter_shortens_a_wait_by_at_most_its_fraction) {
  backoff<int> b{"b", add("a", 1), {.base_delay = 100ms, .max_delay = 1s, .jitter = 0.5}};
  EXPECT_EQ(b.delay_for(3, 0.0), 400ms);
  EXPECT_EQ(b.delay_for(3, 0.5), 300ms);
  EXPECT_EQ(b.delay_for(5, 0.5), 750ms) << "the cap applies before the jitter";
  for (int i = 0; i < 100; ++i) {
    auto d = b.delay_for(2, detail::unit_random());
    EXPECT_GT(d, 100ms);
    EXPECT_LE(d, 200ms);
  }
}

TEST(pipz_backoff, a_failing_child_is_retried_after_each_wait_on_the_clock) {
  auto clock = make_clock();
  flaky child{2};
  auto b = std::make_shared<backoff<int>>(
      "b", child.node("flaky"),
      backoff_options{.max_attempts = 3, .base_delay = 100ms, .clock = clock});
  auto running = process_async(b, 1);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  EXPECT_EQ(child.calls(), 1);
  clock->advance(99ms);
  EXPECT_EQ(child.calls(), 1);
  clock->advance(1ms);
  ASSERT_TRUE(eventually([&] { return child.calls() == 2; }));
  ASSERT_TRUE(clock->wait_for_waiters(1));
  clock->advance(199ms);
  EXPECT_EQ(child.calls(), 2);
  clock->advance(1ms);
  ASSERT_TRUE(ready(running));
  auto r = running.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(child.calls(), 3);
}

TEST(pipz_backoff, the_last_error_comes_back_when_attempts_run_out) {
  auto clock = make_clock();
  flaky child{10};
  auto b = std::make_shared<backoff<int>>(
      "b", child.node("flaky"),
      backoff_options{.max_attempts = 2, .base_delay = 10ms, .clock = clock});
  auto running = process_async(b, 1);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  clock->advance(10ms);
  ASSERT_TRUE(ready(running));
  auto r = running.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "flaky failure 2");
  EXPECT_EQ(r.error().path()[0].name(), "b");
}

TEST(pipz_backoff, a_cancelled_caller_stops_waiting_at_once) {
  auto clock = make_clock();
  flaky child{10};
  auto b = std::make_shared<backoff<int>>(
      "b", child.node("flaky"),
      backoff_options{.max_attempts = 5, .base_delay = 1h, .clock = clock});
  std::stop_source stop;
  auto ctx = std::make_shared<context>();
  ctx->stop = stop.get_token();
  auto running = process_async(b, 1, ctx);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  stop.request_stop();
  ASSERT_TRUE(ready(running));
  auto r = running.get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().canceled());
  EXPECT_EQ(child.calls(), 1);
}

TEST(pipz_backoff, a_wait_past_the_context_deadline_gives_up_with_the_last_error) {
  auto clock = make_clock();
  flaky child{10};
  backoff<int> b{"b", child.node("flaky"), {.max_attempts = 5, .base_delay = 1s, .clock = clock}};
  context ctx;
  ctx.deadline = clock->now() + 500ms;
  auto r = b.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().timed_out());
  EXPECT_EQ(child.calls(), 1);
}
