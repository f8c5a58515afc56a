// How a herald message travels as an SQS message: attributes while they fit, the envelope
// otherwise, base64 for what is not SQS text, and what a foreign message looks like.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"
#include "armada/herald/sqs_message.hpp"

using namespace armada;
namespace sqs = armada::herald::sqs;

namespace {

herald::message sample(std::string payload) {
  herald::message m;
  m.id = "0b5d7f0e-1111-4222-8333-944455556666";
  m.key = "order-7";
  m.topic = "orders";
  m.payload = std::move(payload);
  return m;
}

/// What ReceiveMessage would hand back for a SendMessage entry.
nlohmann::json received(const nlohmann::json& sent, int count = 1) {
  return {{"MessageId", "sqs-id-1"},
          {"ReceiptHandle", "rh-1"},
          {"Body", sent["MessageBody"]},
          {"Attributes", {{"ApproximateReceiveCount", std::to_string(count)}, {"SentTimestamp", "1700000000000"}}},
          {"MessageAttributes", sent["MessageAttributes"]}};
}

} // namespace

TEST(sqs_message, text_payload_and_metadata_travel_as_body_and_attributes) {
  auto m = sample("hello");
  m.metadata["content-type"] = "text/plain";
  m.metadata["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto e = sqs::encode(m, false);
  ASSERT_TRUE(e) << describe(e.error());
  EXPECT_EQ((*e)["MessageBody"], "hello");
  EXPECT_EQ((*e)["MessageAttributes"]["content-type"]["StringValue"], "text/plain");
  auto back = sqs::decode(received(*e, 3), "orders");
  EXPECT_EQ(back.payload, "hello");
  EXPECT_EQ(back.id, m.id);
  EXPECT_EQ(back.key, "order-7");
  EXPECT_EQ(back.metadata, m.metadata);
  EXPECT_EQ(back.attempt, 3u);
  EXPECT_EQ(back.broker, "rh-1");
}

TEST(sqs_message, a_binary_payload_is_sent_base64_and_comes_back_byte_for_byte) {
  auto m = sample(std::string{"\0\x01\xff binary\n", 11});
  auto e = sqs::encode(m, false);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["MessageAttributes"]["content-transfer-encoding"]["StringValue"], "base64");
  EXPECT_TRUE(sqs::is_sqs_text((*e)["MessageBody"].get<std::string>()));
  auto back = sqs::decode(received(*e), "orders");
  EXPECT_EQ(back.payload, m.payload);
  EXPECT_EQ(back.metadata.count("content-transfer-encoding"), 0u);
}

TEST(sqs_message, an_empty_payload_survives) {
  auto e = sqs::encode(sample(""), false);
  ASSERT_TRUE(e);
  EXPECT_FALSE((*e)["MessageBody"].get<std::string>().empty()); // SQS refuses empty bodies
  EXPECT_EQ(sqs::decode(received(*e), "orders").payload, "");
}

TEST(sqs_message, metadata_beyond_ten_attributes_goes_in_the_envelope_and_nothing_is_lost) {
  auto m = sample("many");
  for (int i = 0; i < 12; ++i)
    m.metadata["m" + std::to_string(i)] = "v" + std::to_string(i);
  auto e = sqs::encode(m, false);
  ASSERT_TRUE(e);
  EXPECT_LE((*e)["MessageAttributes"].size(), sqs::max_attributes);
  auto back = sqs::decode(received(*e), "orders");
  EXPECT_EQ(back.metadata, m.metadata);
  EXPECT_EQ(back.payload, "many");
  EXPECT_EQ(back.id, m.id);
  EXPECT_EQ(back.key, m.key);
}

TEST(sqs_message, a_metadata_name_sqs_refuses_goes_in_the_envelope) {
  auto m = sample("x");
  m.metadata["has space"] = "v";
  m.metadata["empty"] = "";
  m.metadata["AWS.reserved"] = "v";
  auto e = sqs::encode(m, false);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["MessageAttributes"].count("has space"), 0u);
  EXPECT_EQ(sqs::decode(received(*e), "orders").metadata, m.metadata);
}

TEST(sqs_message, a_message_over_the_sqs_size_limit_is_an_encode_error_naming_the_limit) {
  auto e = sqs::encode(sample(std::string(300000, 'x')), false);
  ASSERT_FALSE(e);
  EXPECT_EQ(herald::code_of(e.error()), herald::errc::encode);
  EXPECT_NE(describe(e.error()).find("262144"), std::string::npos) << describe(e.error());
}

TEST(sqs_message, fifo_uses_the_key_as_group_and_the_id_for_deduplication) {
  auto m = sample("f");
  auto e = sqs::encode(m, true);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["MessageGroupId"], "order-7");
  EXPECT_EQ((*e)["MessageDeduplicationId"], m.id);
}

TEST(sqs_message, a_foreign_message_keeps_its_body_and_attributes_with_the_sqs_id) {
  nlohmann::json foreign{{"MessageId", "abc"},
                         {"ReceiptHandle", "rh"},
                         {"Body", "{\"from\":\"elsewhere\"}"},
                         {"Attributes", {{"ApproximateReceiveCount", "2"}}},
                         {"MessageAttributes", {{"source", {{"DataType", "String"}, {"StringValue", "cli"}}}}}};
  auto m = sqs::decode(foreign, "orders");
  EXPECT_EQ(m.id, "abc");
  EXPECT_EQ(m.payload, "{\"from\":\"elsewhere\"}");
  EXPECT_EQ(m.meta("source"), "cli");
  EXPECT_EQ(m.attempt, 2u);
}

TEST(sqs_message, a_body_that_claims_base64_but_is_not_says_why_in_sqs_decode_error) {
  nlohmann::json bad{{"MessageId", "abc"},
                     {"ReceiptHandle", "rh"},
                     {"Body", "not base64!"},
                     {"MessageAttributes",
                      {{"content-transfer-encoding", {{"DataType", "String"}, {"StringValue", "base64"}}}}}};
  auto m = sqs::decode(bad, "orders");
  EXPECT_NE(m.meta("sqs-decode-error").find("not valid base64"), std::string::npos) << m.meta("sqs-decode-error");
  EXPECT_EQ(m.payload, "not base64!");
}

TEST(sqs_message, sqs_text_is_utf8_without_forbidden_control_characters) {
  EXPECT_TRUE(sqs::is_sqs_text("plain \t\r\n ünïcödé ✓ 𝄞"));
  EXPECT_FALSE(sqs::is_sqs_text(std::string{"\0", 1}));
  EXPECT_FALSE(sqs::is_sqs_text("\x01"));
  EXPECT_FALSE(sqs::is_sqs_text("\xff"));
  EXPECT_FALSE(sqs::is_sqs_text("\xc0\xaf")); // overlong
}
