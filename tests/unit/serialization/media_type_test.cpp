#include <gtest/gtest.h>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/media_type.hpp"

using namespace armada;
using namespace armada::serialization;

TEST(serialization_media_type, a_content_type_parses_into_a_lower_case_essence_and_parameters) {
  auto m =
      parse_media_type(" Application/X-Protobuf ; messageType=\"shop.v1.Order\";charset=utf-8");
  ASSERT_TRUE(m) << describe(m.error());
  EXPECT_EQ(m->essence, "application/x-protobuf");
  EXPECT_EQ(m->parameter("MESSAGETYPE"), "shop.v1.Order");
  EXPECT_EQ(m->parameter("charset"), "utf-8");
  EXPECT_EQ(m->parameter("missing"), "");
}

TEST(serialization_media_type, text_that_is_no_content_type_is_an_error_showing_the_form) {
  for (auto bad : {"", "json", "application/", "application/json; charset", "a/b; x=\"open"}) {
    auto m = parse_media_type(bad);
    ASSERT_FALSE(m) << "accepted: " << bad;
    EXPECT_NE(describe(m.error()).find("type/subtype"), std::string::npos);
  }
}

TEST(serialization_media_type, the_protobuf_content_type_carries_the_message_name) {
  EXPECT_EQ(protobuf_content_type("shop.v1.Order"),
            "application/x-protobuf; messageType=shop.v1.Order");
}

TEST(serialization_media_type, check_content_type_accepts_matches_and_names_both_on_mismatch) {
  EXPECT_FALSE(check_content_type("application/json", "application/json"));
  EXPECT_FALSE(check_content_type("application/json", ""));
  auto err = check_content_type("application/json", "text/plain");
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), static_cast<std::uint8_t>(errc::wrong_content_type));
  EXPECT_NE(describe(err).find("'text/plain'"), std::string::npos) << describe(err);
  EXPECT_NE(describe(err).find("'application/json'"), std::string::npos) << describe(err);
}
