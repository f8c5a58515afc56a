#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

struct pipz_rate_limiter : ::testing::Test {
  std::shared_ptr<armada::manual_clock> clock = std::make_shared<armada::manual_clock>();

  std::shared_ptr<rate_limiter<int>> make(rate_limiter_options opts) {
    opts.clock = clock;
    return std::make_shared<rate_limiter<int>>("limiter", add("work", 1), opts);
  }

  static result<int> call(chainable<int>& n, int x = 1) {
    context ctx;
    return n.process(ctx, x);
  }
};

} // namespace

TEST_F(pipz_rate_limiter, a_full_bucket_passes_a_burst_and_drops_the_next_call) {
  auto l = make({.rate = 10, .burst = 3, .mode = limiter_mode::drop});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(*call(*l, i), i + 1);
  auto r = call(*l, 9);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is<causes::rate_limited>());
  EXPECT_EQ(r.error().input(), 9);
}

TEST_F(pipz_rate_limiter, tokens_come_back_at_the_configured_rate) {
  auto l = make({.rate = 10, .burst = 3, .mode = limiter_mode::drop});
  for (int i = 0; i < 3; ++i)
    call(*l);
  clock->advance(99ms);
  EXPECT_FALSE(call(*l).ok());
  clock->advance(1ms);
  EXPECT_TRUE(call(*l).ok());
  EXPECT_FALSE(call(*l).ok());
}

TEST_F(pipz_rate_limiter, the_token_count_follows_rate_times_elapsed_time) {
  auto l = make({.rate = 4, .burst = 10, .mode = limiter_mode::drop});
  EXPECT_DOUBLE_EQ(l->tokens(), 10.0);
  for (int i = 0; i < 10; ++i)
    call(*l);
  EXPECT_NEAR(l->tokens(), 0.0, 1e-9);
  clock->advance(250ms);
  EXPECT_NEAR(l->tokens(), 1.0, 1e-9);
  clock->advance(125ms);
  EXPECT_NEAR(l->tokens(), 1.5, 1e-9);
  EXPECT_TRUE(call(*l).ok());
  EXPECT_NEAR(l->tokens(), 0.5, 1e-9);
}

TEST_F(pipz_rate_limiter, the_bucket_never_holds_more_than_burst) {
  auto l = make({.rate = 100, .burst = 5, .mode = limiter_mode::drop});
  call(*l);
  clock->advance(1h);
  EXPECT_DOUBLE_EQ(l->tokens(), 5.0);
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(call(*l).ok());
  EXPECT_FALSE(call(*l).ok());
}

TEST_F(pipz_rate_limiter, in_wait_mode_a_call_waits_on_the_clock_until_its_token_is_due) {
  auto l = make({.rate = 10, .burst = 1, .mode = limiter_mode::wait});
  EXPECT_TRUE(call(*l).ok());
  auto waiting = process_async(l, 5);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  clock->advance(99ms);
  EXPECT_FALSE(ready(waiting, 0ms));
  clock->advance(1ms);
  ASSERT_TRUE(ready(waiting));
  EXPECT_EQ(*waiting.get(), 6);
}

TEST_F(pipz_rate_limiter, waiting_calls_reserve_consecutive_tokens) {
  auto l = make({.rate = 10, .burst = 1, .mode = limiter_mode::wait});
  EXPECT_TRUE(call(*l).ok());
  auto first = process_async(l, 1);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  auto second = process_async(l, 2);
  ASSERT_TRUE(clock->wait_for_waiters(2));
  EXPECT_LT(l->tokens(), -1.0 + 1e-9);
  clock->advance(100ms);
  ASSERT_TRUE(ready(first));
  EXPECT_FALSE(ready(second, 0ms));
  clock->advance(100ms);
  ASSERT_TRUE(ready(second));
  EXPECT_EQ(*second.get(), 3);
}

TEST_F(pipz_rate_limiter, a_cancelled_wait_fails_and_returns_its_token) {
  auto l = make({.rate = 10, .burst = 1, .mode = limiter_mode::wait});
  EXPECT_TRUE(call(*l).ok());
  std::stop_source stop;
  auto ctx = std::make_shared<context>();
  ctx->stop = stop.get_token();
  auto waiting = process_async(l, 1, ctx);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  EXPECT_NEAR(l->tokens(), -1.0, 1e-9);
  stop.request_stop();
  ASSERT_TRUE(ready(waiting));
  auto r = waiting.get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().canceled());
  EXPECT_NEAR(l->tokens(), 0.0, 1e-9);
}

TEST_F(pipz_rate_limiter, a_wait_that_would_pass_the_deadline_fails_at_once) {
  auto l = make({.rate = 1, .burst = 1, .mode = limiter_mode::wait});
  EXPECT_TRUE(call(*l).ok());
  context ctx;
  ctx.deadline = clock->now() + 500ms;
  auto r = l->process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is<causes::rate_limited>());
  EXPECT_NEAR(l->tokens(), 0.0, 1e-9);
}
