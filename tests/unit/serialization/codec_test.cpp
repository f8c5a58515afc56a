#include <gtest/gtest.h>

#include <string>

#include "armada/serialization/default_codec.hpp"
#include "armada/serialization/errc.hpp"
#include "shop.hpp"
#include "shop_test.pb.h"

using namespace armada;
using namespace armada::serialization;
using namespace std::string_literals;

static_assert(codec<json_codec<shop::order>>);
static_assert(codec<protobuf_codec<shop::test::Order>>);
static_assert(codec<raw_codec<std::string>>);
static_assert(codec_for<raw_codec<std::vector<std::byte>>, std::vector<std::byte>>);
static_assert(json_convertible<shop::cents>);
static_assert(!json_convertible<shop::opaque>);
static_assert(std::is_same_v<default_codec<shop::order>, json_codec<shop::order>>);
static_assert(std::is_same_v<default_codec<shop::test::Order>, protobuf_codec<shop::test::Order>>);
static_assert(std::is_same_v<default_codec<std::string>, raw_codec<std::string>>);
static_assert(
    std::is_same_v<default_codec<std::vector<std::byte>>, raw_codec<std::vector<std::byte>>>);
static_assert(std::is_same_v<default_codec<int>, json_codec<int>>);

namespace {

std::string message_of(const caf::error& err) {
  return describe(err);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(serialization_json_codec, a_type_with_to_json_round_trips_as_readable_json) {
  json_codec<shop::order> c;
  EXPECT_EQ(c.content_type(), "application/json");
  auto bytes = c.encode({"A-1", 3});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, R"({"id":"A-1","lines":3})");
  auto back = c.decode(*bytes);
  ASSERT_TRUE(back) << message_of(back.error());
  EXPECT_EQ(*back, (shop::order{"A-1", 3}));
}

TEST(serialization_json_codec, a_type_with_an_adl_serializer_round_trips) {
  json_codec<shop::cents> c;
  auto bytes = c.encode({-1299});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, "-1299");
  EXPECT_EQ(c.decode(*bytes), (shop::cents{-1299}));
}

TEST(serialization_json_codec, text_that_is_not_json_is_an_error_naming_the_type) {
  auto back = json_codec<shop::order>{}.decode("not json");
  ASSERT_FALSE(back);
  EXPECT_EQ(code_of(back.error()), static_cast<std::uint8_t>(errc::decode_failed));
  EXPECT_TRUE(contains(message_of(back.error()), "shop::order")) << message_of(back.error());
  EXPECT_TRUE(contains(message_of(back.error()), "parse error")) << message_of(back.error());
}

TEST(serialization_json_codec, json_of_the_wrong_shape_is_an_error_naming_the_missing_member) {
  auto back = json_codec<shop::order>{}.decode(R"({"id":"A-1"})");
  ASSERT_FALSE(back);
  EXPECT_TRUE(contains(message_of(back.error()), "lines")) << message_of(back.error());
}

TEST(serialization_json_codec, a_string_that_is_not_utf8_is_an_encode_error_not_an_exception) {
  auto bytes = json_codec<shop::order>{}.encode({"\xff\xfe", 1});
  ASSERT_FALSE(bytes);
  EXPECT_EQ(code_of(bytes.error()), static_cast<std::uint8_t>(errc::encode_failed));
  EXPECT_TRUE(contains(message_of(bytes.error()), "UTF-8")) << message_of(bytes.error());
}

TEST(serialization_protobuf_codec, a_generated_message_round_trips_and_names_itself) {
  protobuf_codec<shop::test::Order> c;
  EXPECT_EQ(c.content_type(), "application/x-protobuf; messageType=shop.test.Order");
  shop::test::Order o;
  o.set_id("A-1");
  o.set_lines(3);
  o.add_skus("sku-1");
  o.add_skus("sku-2");
  auto bytes = c.encode(o);
  ASSERT_TRUE(bytes);
  auto back = c.decode(*bytes);
  ASSERT_TRUE(back) << message_of(back.error());
  EXPECT_EQ(back->id(), "A-1");
  EXPECT_EQ(back->lines(), 3);
  ASSERT_EQ(back->skus_size(), 2);
  EXPECT_EQ(back->skus(1), "sku-2");
}

TEST(serialization_protobuf_codec, bytes_that_are_not_the_message_are_an_error_naming_it) {
  auto back = protobuf_codec<shop::test::Order>{}.decode("\xff\xff\xff garbage");
  ASSERT_FALSE(back);
  EXPECT_EQ(code_of(back.error()), static_cast<std::uint8_t>(errc::decode_failed));
  EXPECT_TRUE(contains(message_of(back.error()), "not a valid shop.test.Order"))
      << message_of(back.error());
}

TEST(serialization_raw_codec, strings_and_byte_vectors_pass_through_unchanged) {
  auto text = "\0a\xff"s;
  raw_codec<std::string> s;
  EXPECT_EQ(s.content_type(), "application/octet-stream");
  EXPECT_EQ(s.encode(text), text);
  EXPECT_EQ(s.decode(text), text);
  raw_codec<std::vector<std::byte>> b;
  std::vector<std::byte> bytes{std::byte{0}, std::byte{0x61}, std::byte{0xff}};
  EXPECT_EQ(b.encode(bytes), text);
  EXPECT_EQ(b.decode(text), bytes);
}

TEST(serialization_decode_checked, a_json_payload_given_to_the_protobuf_codec_names_both_types) {
  auto back = decode_checked(protobuf_codec<shop::test::Order>{}, "{}", "application/json");
  ASSERT_FALSE(back);
  EXPECT_EQ(code_of(back.error()), static_cast<std::uint8_t>(errc::wrong_content_type));
  auto text = message_of(back.error());
  EXPECT_TRUE(contains(text, "'application/json'")) << text;
  EXPECT_TRUE(contains(text, "'application/x-protobuf; messageType=shop.test.Order'")) << text;
}

TEST(serialization_decode_checked, a_protobuf_payload_of_another_message_type_names_both) {
  protobuf_codec<shop::test::Refund> refunds;
  auto back = decode_checked(protobuf_codec<shop::test::Order>{}, "", refunds.content_type());
  ASSERT_FALSE(back);
  auto text = message_of(back.error());
  EXPECT_TRUE(contains(text, "shop.test.Refund")) << text;
  EXPECT_TRUE(contains(text, "shop.test.Order")) << text;
}

TEST(serialization_decode_checked, a_protobuf_payload_without_message_type_is_read) {
  shop::test::Order o;
  o.set_id("A-2");
  auto back = decode_checked(protobuf_codec<shop::test::Order>{}, o.SerializeAsString(),
                             "application/x-protobuf");
  ASSERT_TRUE(back) << message_of(back.error());
  EXPECT_EQ(back->id(), "A-2");
}

TEST(serialization_decode_checked, json_with_a_charset_and_unlabelled_payloads_are_read) {
  json_codec<shop::order> c;
  auto payload = R"({"id":"A-3","lines":1})";
  EXPECT_TRUE(decode_checked(c, payload, "application/json; charset=utf-8"));
  EXPECT_TRUE(decode_checked(c, payload, "Application/JSON"));
  EXPECT_TRUE(decode_checked(c, payload, ""));
  auto wrong = decode_checked(c, payload, "application/octet-stream");
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(contains(message_of(wrong.error()), "'application/octet-stream'"));
}

TEST(serialization_decode_checked, the_raw_codec_reads_a_payload_of_any_content_type) {
  auto back = decode_checked(raw_codec<std::string>{}, "{}", "application/json");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "{}");
}
