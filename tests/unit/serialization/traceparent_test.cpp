#include <gtest/gtest.h>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/traceparent.hpp"

using namespace armada;
using namespace armada::serialization;

namespace {
constexpr auto trace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr auto w3c_example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
} // namespace

TEST(serialization_traceparent, the_w3c_example_parses_into_its_parts) {
  auto tp = parse_traceparent(w3c_example);
  ASSERT_TRUE(tp) << describe(tp.error());
  EXPECT_EQ(tp->version, 0);
  EXPECT_EQ(tp->trace_id, trace);
  EXPECT_EQ(tp->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(tp->flags, 1);
  EXPECT_TRUE(tp->sampled());
  EXPECT_EQ(tp->to_string(), w3c_example);
}

TEST(serialization_traceparent, a_made_traceparent_carries_the_trace_id_and_a_new_span_id) {
  auto text = make_traceparent(trace);
  ASSERT_TRUE(text) << describe(text.error());
  EXPECT_EQ(text->size(), 55u);
  auto tp = parse_traceparent(*text);
  ASSERT_TRUE(tp) << describe(tp.error());
  EXPECT_EQ(tp->trace_id, trace);
  EXPECT_EQ(tp->parent_id.size(), 16u);
  EXPECT_TRUE(tp->sampled());
  auto other = parse_traceparent(*make_traceparent(trace));
  EXPECT_NE(other->parent_id, tp->parent_id) << "every message gets its own span id";
}

TEST(serialization_traceparent, an_upper_case_trace_id_is_lowered_and_sampling_can_be_off) {
  auto text = make_traceparent("4BF92F3577B34DA6A3CE929D0E0E4736", false);
  ASSERT_TRUE(text) << describe(text.error());
  auto tp = parse_traceparent(*text);
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->trace_id, trace);
  EXPECT_EQ(tp->flags, 0);
  EXPECT_FALSE(tp->sampled());
}

TEST(serialization_traceparent, a_trace_id_that_is_not_32_hex_digits_or_all_zero_is_refused) {
  for (auto bad : {"", "4bf92f3577b34da6a3ce929d0e0e473", "4bf92f3577b34da6a3ce929d0e0e47360",
                   "4bf92f3577b34da6a3ce929d0e0e473g", "00000000000000000000000000000000"}) {
    auto text = make_traceparent(bad);
    ASSERT_FALSE(text) << "accepted: " << bad;
    EXPECT_EQ(code_of(text.error()), static_cast<std::uint8_t>(errc::invalid_traceparent));
    EXPECT_NE(describe(text.error()).find("random_trace_id()"), std::string::npos);
  }
}

TEST(serialization_traceparent, malformed_headers_are_refused_naming_the_problem) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "too short"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "too short"},
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "lower-case hex"},
      {"00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01", "lower-case hex"},
      {"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", "separators"},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace id is all zero"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent id is all zero"},
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "exactly 55"},
      {"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", "follow a '-'"}};
  for (auto& [text, why] : cases) {
    auto tp = parse_traceparent(text);
    ASSERT_FALSE(tp) << "accepted: " << text;
    EXPECT_EQ(code_of(tp.error()), static_cast<std::uint8_t>(errc::invalid_traceparent));
    EXPECT_NE(describe(tp.error()).find(why), std::string::npos) << describe(tp.error());
  }
}

TEST(serialization_traceparent, a_later_version_with_more_fields_is_read) {
  auto tp = parse_traceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like");
  ASSERT_TRUE(tp) << describe(tp.error());
  EXPECT_EQ(tp->version, 0xcc);
  EXPECT_EQ(tp->trace_id, trace);
}

TEST(serialization_traceparent, random_ids_are_valid_and_differ) {
  auto a = random_trace_id();
  auto b = random_trace_id();
  EXPECT_TRUE(is_valid_trace_id(a)) << a;
  EXPECT_NE(a, b);
  EXPECT_EQ(random_span_id().size(), 16u);
  EXPECT_FALSE(is_valid_trace_id("00000000000000000000000000000000"));
  EXPECT_FALSE(is_valid_trace_id("4BF92F3577B34DA6A3CE929D0E0E4736"));
}
