#include "armada/serialization/json_number.hpp"

#include <cstdint>

#include <gtest/gtest.h>

using armada::serialization::integer_at;
using armada::serialization::integer_from;
using json = nlohmann::json;

TEST(json_number, integers_within_range_read_back) {
  EXPECT_EQ(integer_from<std::uint32_t>(json(7)), 7u);
  EXPECT_EQ(integer_from<std::int64_t>(json(-5)), -5);
  EXPECT_EQ(integer_from<std::uint64_t>(json(UINT64_MAX)), UINT64_MAX);
  EXPECT_EQ(integer_from<std::int32_t>(nlohmann::ordered_json(INT32_MIN)), INT32_MIN);
}

TEST(json_number, floats_negatives_and_values_beyond_the_type_are_refused) {
  EXPECT_FALSE(integer_from<std::int64_t>(json::parse("1e300")));
  EXPECT_FALSE(integer_from<std::int64_t>(json(1.0)));
  EXPECT_FALSE(integer_from<std::uint32_t>(json(-1)));
  EXPECT_FALSE(integer_from<std::uint32_t>(json(std::uint64_t{1} << 32)));
  EXPECT_FALSE(integer_from<std::int64_t>(json(UINT64_MAX)));
  EXPECT_FALSE(integer_from<std::int32_t>(json(true)));
}

TEST(json_number, decimal_text_only_when_asked_and_only_for_64_bit_types) {
  EXPECT_FALSE(integer_from<std::int64_t>(json("42")));
  EXPECT_EQ(integer_from<std::int64_t>(json("-42"), true), -42);
  EXPECT_EQ(integer_from<std::uint64_t>(json("18446744073709551615"), true), UINT64_MAX);
  EXPECT_FALSE(integer_from<std::uint32_t>(json("42"), true));
  EXPECT_FALSE(integer_from<std::int64_t>(json("42x"), true));
  EXPECT_FALSE(integer_from<std::uint64_t>(json("18446744073709551616"), true));
}

TEST(json_number, integer_at_names_the_member_that_is_wrong) {
  auto j = json::parse(R"({"attempts": 2.5, "wake_ms": 10})");
  EXPECT_EQ(integer_at<std::int64_t>(j, "wake_ms"), 10);
  try {
    (void)integer_at<std::uint32_t>(j, "attempts");
    FAIL() << "a float read as an integer";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "member 'attempts' is not an integer from 0 to 4294967295");
  }
  try {
    (void)integer_at<std::uint32_t>(j, "position");
    FAIL() << "a missing member read as an integer";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "member 'position' is missing");
  }
}
