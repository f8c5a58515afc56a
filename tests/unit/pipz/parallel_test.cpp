#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

using children = std::vector<ref<int>>;

/// Records every value it sees; passes it through plus `n`.
ref<int> recorder(std::string name, std::mutex& mtx, std::vector<int>& seen, int n) {
  return std::make_shared<transform<int>>(std::move(name),
                                          [&mtx, &seen, n](context&, const int& x) {
                                            std::lock_guard guard{mtx};
                                            seen.push_back(x);
                                            return x + n;
                                          });
}

} // namespace

TEST(pipz_concurrent, every_child_gets_its_own_copy_and_the_input_comes_back) {
  std::mutex mtx;
  std::vector<int> seen;
  concurrent<int> fan{"fan", children{recorder("a", mtx, seen, 1), recorder("b", mtx, seen, 2),
                                      recorder("c", mtx, seen, 3)}};
  context ctx;
  auto r = fan.process(ctx, 7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(seen, (std::vector<int>{7, 7, 7}));
}

TEST(pipz_concurrent, children_run_at_the_same_time) {
  gate entered_a, entered_b, release;
  auto fan = std::make_shared<concurrent<int>>(
      "fan", children{blocking("a", entered_a, release), blocking("b", entered_b, release)});
  auto running = process_async(fan, 1);
  EXPECT_TRUE(entered_a.wait());
  EXPECT_TRUE(entered_b.wait());
  release.open();
  ASSERT_TRUE(ready(running));
  EXPECT_EQ(*running.get(), 1);
}

TEST(pipz_concurrent, without_a_reducer_a_failing_child_fails_the_call) {
  concurrent<int> fan{"fan", children{add("a", 1), failing("b", "b is down")}};
  context ctx;
  auto r = fan.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "b is down");
  EXPECT_EQ(r.error().path()[0].name(), "fan");
  EXPECT_EQ(r.error().path()[1].name(), "b");
}

TEST(pipz_concurrent, a_reducer_receives_every_result_in_child_order) {
  concurrent<int> fan{"fan", children{add("a", 1), failing("b"), add("c", 3)},
                      [](context&, const int& input, std::vector<result<int>>& results) {
                        EXPECT_EQ(results.size(), 3u);
                        EXPECT_FALSE(results[1].ok());
                        return input * 100 + *results[0] + *results[2];
                      }};
  context ctx;
  auto r = fan.process(ctx, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 100 + 2 + 4);
}

TEST(pipz_concurrent, a_throwing_reducer_fails_the_call) {
  concurrent<int> fan{"fan", children{add("a", 1)},
                      [](context&, const int&, std::vector<result<int>>&) -> int {
                        throw std::runtime_error("cannot merge");
                      }};
  context ctx;
  auto r = fan.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "cannot merge");
  EXPECT_EQ(r.error().input(), 1);
}

TEST(pipz_race, the_first_success_wins_and_the_loser_is_cancelled) {
  gate entered, never;
  auto slow = blocking("slow", entered, never);
  auto fast = std::make_shared<transform<int>>("fast", [&entered](context&, const int& x) {
    entered.wait(); // the slow child is running before the fast one answers
    return x * 2;
  });
  race<int> r{"race", children{slow, fast}};
  context ctx;
  auto out = r.process(ctx, 21);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 42);
  EXPECT_FALSE(never.is_open()) << "the loser returned because it was cancelled";
}

TEST(pipz_race, when_every_child_fails_the_last_error_comes_back) {
  race<int> r{"race", children{failing("a", "a failed"), failing("b", "b failed")}};
  context ctx;
  auto out = r.process(ctx, 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().path()[0].name(), "race");
  EXPECT_EQ(out.error().path().size(), 2u);
}

TEST(pipz_race, a_caller_cancellation_stops_every_child) {
  gate entered_a, entered_b, never;
  auto rc = std::make_shared<race<int>>(
      "race", children{blocking("a", entered_a, never), blocking("b", entered_b, never)});
  std::stop_source stop;
  auto ctx = std::make_shared<context>();
  ctx->stop = stop.get_token();
  auto running = process_async(rc, 1, ctx);
  ASSERT_TRUE(entered_a.wait());
  ASSERT_TRUE(entered_b.wait());
  stop.request_stop();
  ASSERT_TRUE(ready(running));
  auto out = running.get();
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.error().canceled());
}

TEST(pipz_contest, the_first_success_that_meets_the_condition_wins) {
  contest<int> c{"contest", [](context&, const int& x) { return x > 10; },
                 children{add("small", 1), add("large", 100)}};
  context ctx;
  auto out = c.process(ctx, 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 101);
}

TEST(pipz_contest, no_result_meeting_the_condition_is_an_error) {
  contest<int> c{"contest", [](context&, const int& x) { return x > 1000; },
                 children{add("small", 1), add("large", 100)}};
  context ctx;
  auto out = c.process(ctx, 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message(), "no result met the contest condition");
  EXPECT_EQ(out.error().input(), 1);
}
