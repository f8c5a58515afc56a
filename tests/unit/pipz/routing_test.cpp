#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {
using children = std::vector<ref<int>>;
} // namespace

TEST(pipz_fallback, the_primary_result_comes_back_when_it_succeeds) {
  fallback<int> f{"f", children{add("primary", 1), add("backup", 100)}};
  context ctx;
  EXPECT_EQ(*f.process(ctx, 1), 2);
}

TEST(pipz_fallback, a_failing_primary_falls_back_on_the_original_input) {
  fallback<int> f{"f", children{failing("primary"), add("backup", 100)}};
  context ctx;
  EXPECT_EQ(*f.process(ctx, 1), 101);
}

TEST(pipz_fallback, when_every_child_fails_the_last_error_comes_back) {
  fallback<int> f{"f", children{failing("primary", "p"), failing("backup", "b")}};
  context ctx;
  auto r = f.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "b");
  EXPECT_EQ(r.error().path()[0].name(), "f");
  EXPECT_EQ(r.error().path()[1].name(), "backup");
}

TEST(pipz_retry, a_child_that_recovers_within_the_attempts_succeeds) {
  flaky child{2};
  retry<int> r{"retry", child.node("flaky"), {.max_attempts = 3}};
  context ctx;
  auto out = r.process(ctx, 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 2);
  EXPECT_EQ(child.calls(), 3);
}

TEST(pipz_retry, a_child_that_keeps_failing_returns_the_last_error_after_max_attempts) {
  flaky child{10};
  retry<int> r{"retry", child.node("flaky"), {.max_attempts = 3}};
  context ctx;
  auto out = r.process(ctx, 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(child.calls(), 3);
  EXPECT_EQ(out.error().message(), "flaky failure 3");
  EXPECT_EQ(out.error().input(), 1);
  EXPECT_EQ(out.error().path()[0].name(), "retry");
}

TEST(pipz_retry, a_cancelled_caller_is_not_retried) {
  std::stop_source stop;
  int calls = 0;
  auto child = std::make_shared<apply<int>>("c", [&](context&, const int&) -> outcome<int> {
    ++calls;
    stop.request_stop();
    return fail("failed");
  });
  retry<int> r{"retry", child, {.max_attempts = 5}};
  context ctx;
  ctx.stop = stop.get_token();
  auto out = r.process(ctx, 1);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.error().canceled());
  EXPECT_EQ(calls, 1);
}

TEST(pipz_filter, a_filter_runs_its_child_when_the_condition_holds) {
  filter<int> f{"evens", [](context&, const int& x) { return x % 2 == 0; }, times("double", 2)};
  context ctx;
  EXPECT_EQ(*f.process(ctx, 4), 8);
}

TEST(pipz_filter, a_filter_passes_the_value_through_when_the_condition_fails) {
  filter<int> f{"evens", [](context&, const int& x) { return x % 2 == 0; }, times("double", 2)};
  context ctx;
  EXPECT_EQ(*f.process(ctx, 3), 3);
}

TEST(pipz_switch, a_switch_sends_the_value_to_the_route_of_its_key) {
  switch_<int> s{"by-sign", [](context&, const int& x) { return x < 0 ? "neg" : "pos"; }};
  s.add_route("neg", times("negate", -1));
  s.add_route("pos", add("plus-one", 1));
  context ctx;
  EXPECT_EQ(*s.process(ctx, -4), 4);
  EXPECT_EQ(*s.process(ctx, 4), 5);
}

TEST(pipz_switch, a_key_without_route_passes_through_or_takes_the_default) {
  switch_<int, int> s{"mod3", [](context&, const int& x) { return x % 3; }};
  s.add_route(0, times("zero", 0));
  context ctx;
  EXPECT_EQ(*s.process(ctx, 4), 4);
  s.set_default(add("other", 1000));
  EXPECT_EQ(*s.process(ctx, 4), 1004);
  EXPECT_TRUE(s.remove_route(0));
  EXPECT_EQ(*s.process(ctx, 3), 1003);
}

TEST(pipz_switch, a_failing_route_reports_the_switch_in_the_path) {
  switch_<int> s{"router", [](context&, const int&) { return std::string{"x"}; }};
  s.add_route("x", failing("handler"));
  context ctx;
  auto r = s.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text().rfind("router -> handler failed", 0), 0u);
}

TEST(pipz_handle, a_handler_observes_the_error_and_the_error_still_comes_back) {
  std::string observed;
  handle<int> h{"observe", failing("charge", "card declined"),
                [&observed](context&, const error<int>& e) { observed = e.text(); }};
  context ctx;
  auto r = h.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "card declined");
  EXPECT_EQ(observed.rfind("observe -> charge failed", 0), 0u);
}

TEST(pipz_handle, a_handler_does_not_run_on_success) {
  bool called = false;
  handle<int> h{"observe", add("a", 1), [&called](context&, const error<int>&) { called = true; }};
  context ctx;
  EXPECT_EQ(*h.process(ctx, 1), 2);
  EXPECT_FALSE(called);
}

TEST(pipz_handle, a_throwing_handler_leaves_the_original_error) {
  handle<int> h{"observe", failing("charge", "card declined"),
                [](context&, const error<int>&) { throw std::runtime_error("logger down"); }};
  context ctx;
  auto r = h.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "card declined");
}
