#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {
struct not_a_std_exception {};
} // namespace

TEST(pipz_error, the_text_names_the_path_the_duration_and_the_cause) {
  error<int> e{identity{"c"}, 7, fail("disk full").cause, 12ms};
  e.prepend(identity{"b"});
  e.prepend(identity{"a"});
  EXPECT_EQ(e.text(), "a -> b -> c failed after 12ms: disk full");
}

TEST(pipz_error, durations_are_written_in_the_largest_whole_unit) {
  EXPECT_EQ(detail::format_duration(850ns), "850ns");
  EXPECT_EQ(detail::format_duration(12us), "12us");
  EXPECT_EQ(detail::format_duration(12ms), "12ms");
  EXPECT_EQ(detail::format_duration(1500ms), "1.5s");
}

TEST(pipz_error, a_failure_in_nested_sequences_has_the_path_from_outermost_to_innermost) {
  auto validate = failing("validate");
  auto inner = std::make_shared<sequence<int>>(
      "inner", sequence<int>::children_type{add("plus-one", 1), validate});
  auto outer = std::make_shared<sequence<int>>(
      "outer", sequence<int>::children_type{times("double", 2), inner});
  context ctx;
  auto r = outer->process(ctx, 5);
  ASSERT_FALSE(r.ok());
  const auto& path = r.error().path();
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(path[0], outer->identity());
  EXPECT_EQ(path[1], inner->identity());
  EXPECT_EQ(path[2], validate->identity());
  EXPECT_EQ(r.error().text().rfind("outer -> inner -> validate failed after ", 0), 0u);
  EXPECT_NE(r.error().text().find(": boom"), std::string::npos);
}

TEST(pipz_error, the_error_carries_the_input_the_failing_node_received) {
  auto seq = std::make_shared<sequence<int>>(
      "seq", sequence<int>::children_type{times("double", 2), add("plus-one", 1), failing("x")});
  context ctx;
  auto r = seq->process(ctx, 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().input(), 11);
}

TEST(pipz_error, an_exception_thrown_by_user_code_becomes_the_cause) {
  auto t = std::make_shared<transform<int>>("lookup", [](context&, const int& x) -> int {
    throw std::out_of_range("no entry " + std::to_string(x));
  });
  context ctx;
  auto r = t->process(ctx, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "no entry 3");
  ASSERT_NE(r.error().cause_as<std::out_of_range>(), nullptr);
  EXPECT_TRUE(r.error().is<std::logic_error>());
  EXPECT_FALSE(r.error().is<std::runtime_error>());
  EXPECT_EQ(r.error().input(), 3);
}

TEST(pipz_error, a_thrown_non_std_exception_becomes_an_unknown_exception_error) {
  auto t = std::make_shared<transform<int>>(
      "weird", [](context&, const int&) -> int { throw not_a_std_exception{}; });
  context ctx;
  auto r = t->process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unknown exception");
  EXPECT_TRUE(r.error().is<not_a_std_exception>());
}

TEST(pipz_error, typed_causes_set_the_timeout_and_canceled_flags) {
  error<int> t{identity{"t"}, 1, fail(causes::timeout{"t", 50ms}).cause};
  EXPECT_TRUE(t.timed_out());
  EXPECT_FALSE(t.canceled());
  EXPECT_TRUE(t.is<causes::timeout>());
  EXPECT_EQ(t.cause_as<causes::timeout>()->after(), 50ms);
  error<int> c{identity{"c"}, 1, fail(causes::canceled{}).cause};
  EXPECT_TRUE(c.canceled());
  EXPECT_FALSE(c.timed_out());
  error<int> o{identity{"b"}, 1, fail(causes::circuit_open{"b"}).cause};
  EXPECT_TRUE(o.is<causes::circuit_open>());
  EXPECT_FALSE(o.is<causes::rate_limited>());
}

TEST(pipz_result, value_on_an_error_throws_bad_result_access_with_the_error_text) {
  result<int> r{error<int>{identity{"step"}, 1, fail("nope").cause, 3ms}};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.value_or(42), 42);
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const bad_result_access& e) {
    EXPECT_STREQ(e.what(), "step failed after 3ms: nope");
  }
}

TEST(pipz_result, a_result_holding_a_value_gives_it_back) {
  result<std::string> r{std::string{"hello"}};
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "hello");
  EXPECT_EQ(r->size(), 5u);
  EXPECT_EQ(std::move(r).value(), "hello");
}
