#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

TEST(pipz_transform, a_transform_returns_the_mapped_value) {
  context ctx;
  auto r = times("double", 2)->process(ctx, 21);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
}

TEST(pipz_apply, an_apply_returns_the_new_value_on_success) {
  auto parse = std::make_shared<apply<std::string>>(
      "trim", [](context&, const std::string& s) -> outcome<std::string> { return s.substr(1); });
  context ctx;
  auto r = parse->process(ctx, "xabc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "abc");
}

TEST(pipz_apply, an_apply_that_fails_returns_an_error_with_its_input_and_cause) {
  context ctx;
  auto node = failing("validate", "amount must be positive");
  auto r = node->process(ctx, -5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().input(), -5);
  EXPECT_EQ(r.error().message(), "amount must be positive");
  ASSERT_EQ(r.error().path().size(), 1u);
  EXPECT_EQ(r.error().path()[0].name(), "validate");
}

TEST(pipz_effect, an_effect_runs_its_side_effect_and_passes_the_input_through) {
  int seen = 0;
  auto log = std::make_shared<effect<int>>("log", [&seen](context&, const int& x) { seen = x; });
  context ctx;
  auto r = log->process(ctx, 9);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 9);
  EXPECT_EQ(seen, 9);
}

TEST(pipz_effect, an_effect_that_returns_a_failure_fails_with_the_input) {
  auto check = std::make_shared<effect<int>>("check", [](context&, const int& x) -> status {
    if (x > 10)
      return fail("too large");
    return {};
  });
  context ctx;
  EXPECT_EQ(*check->process(ctx, 3), 3);
  auto r = check->process(ctx, 11);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "too large");
  EXPECT_EQ(r.error().input(), 11);
}

TEST(pipz_effect, an_effect_that_throws_fails_with_the_exception) {
  auto audit = std::make_shared<effect<int>>(
      "audit", [](context&, const int&) { throw std::runtime_error("audit log unavailable"); });
  context ctx;
  auto r = audit->process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "audit log unavailable");
}

TEST(pipz_mutate, a_mutate_changes_the_value_when_its_condition_holds) {
  auto cap = std::make_shared<mutate<int>>(
      "cap", [](context&, const int&) { return 100; },
      [](context&, const int& x) { return x > 100; });
  context ctx;
  EXPECT_EQ(*cap->process(ctx, 250), 100);
}

TEST(pipz_mutate, a_mutate_passes_the_value_through_when_its_condition_fails) {
  auto cap = std::make_shared<mutate<int>>(
      "cap", [](context&, const int&) { return 100; },
      [](context&, const int& x) { return x > 100; });
  context ctx;
  EXPECT_EQ(*cap->process(ctx, 50), 50);
}

TEST(pipz_mutate, a_mutate_whose_condition_throws_fails) {
  auto m = std::make_shared<mutate<int>>(
      "m", [](context&, const int& x) { return x; },
      [](context&, const int&) -> bool { throw std::runtime_error("bad condition"); });
  context ctx;
  auto r = m->process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "bad condition");
}

TEST(pipz_enrich, an_enrich_returns_the_enriched_value_on_success) {
  auto geo = std::make_shared<enrich<int>>(
      "geo", [](context&, const int& x) -> outcome<int> { return x * 10; });
  context ctx;
  EXPECT_EQ(*geo->process(ctx, 4), 40);
}

TEST(pipz_enrich, an_enrich_that_fails_continues_with_its_input) {
  auto geo = std::make_shared<enrich<int>>(
      "geo", [](context&, const int&) -> outcome<int> { return fail("geo service down"); });
  context ctx;
  auto r = geo->process(ctx, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
}

TEST(pipz_enrich, an_enrich_that_throws_continues_with_its_input) {
  auto geo = std::make_shared<enrich<int>>(
      "geo", [](context&, const int&) -> outcome<int> { throw std::runtime_error("x"); });
  context ctx;
  auto r = geo->process(ctx, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
}

TEST(pipz_identity, every_node_gets_a_distinct_uuid_even_with_the_same_name) {
  auto a = add("step", 1);
  auto b = add("step", 1);
  EXPECT_EQ(a->identity().name(), b->identity().name());
  EXPECT_NE(a->identity(), b->identity());
  EXPECT_FALSE(a->identity().id().is_nil());
}
