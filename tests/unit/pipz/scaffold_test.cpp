#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

TEST(pipz_scaffold, a_scaffold_returns_its_input_before_the_background_work_finishes) {
  gate entered, release;
  std::atomic<int> done{0};
  auto slow = std::make_shared<effect<int>>("audit", [&](context&, const int&) {
    entered.open();
    release.wait();
    done.fetch_add(1);
  });
  scaffold<int> s{"bg", {slow}};
  context ctx;
  auto r = s.process(ctx, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 5);
  ASSERT_TRUE(entered.wait());
  EXPECT_EQ(done.load(), 0);
  EXPECT_EQ(s.in_flight(), 1u);
  release.open();
  s.close();
  EXPECT_EQ(done.load(), 1);
}

TEST(pipz_scaffold, close_waits_for_every_background_child) {
  std::atomic<int> seen{0};
  auto add_seen = std::make_shared<effect<int>>(
      "count", [&seen](context&, const int& x) { seen.fetch_add(x); });
  scaffold<int> s{"bg", {add_seen, add_seen}};
  context ctx;
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(*s.process(ctx, i), i);
  s.close();
  EXPECT_EQ(seen.load(), 2 * (1 + 2 + 3));
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(pipz_scaffold, background_work_outlives_the_callers_cancellation) {
  gate entered, release;
  std::atomic<bool> stopped_seen{false};
  auto bg = std::make_shared<effect<int>>("bg", [&](context& ctx, const int&) {
    entered.open();
    release.wait();
    stopped_seen = ctx.canceled();
  });
  scaffold<int> s{"bg", {bg}};
  std::stop_source stop;
  context ctx;
  ctx.stop = stop.get_token();
  s.process(ctx, 1);
  ASSERT_TRUE(entered.wait());
  stop.request_stop();
  release.open();
  s.close();
  EXPECT_FALSE(stopped_seen.load());
}

TEST(pipz_scaffold, cancel_requests_stop_on_the_background_children) {
  gate entered, never;
  scaffold<int> s{"bg", {blocking("wait", entered, never)}};
  context ctx;
  s.process(ctx, 1);
  ASSERT_TRUE(entered.wait());
  s.cancel();
  s.close(); // returns because the child observed the stop
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(pipz_scaffold, a_closed_scaffold_refuses_calls) {
  scaffold<int> s{"bg", {add("a", 1)}};
  s.close();
  context ctx;
  auto r = s.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is<causes::rejected>());
}
