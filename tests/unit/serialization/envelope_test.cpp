#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "armada/serialization/envelope.hpp"
#include "armada/serialization/errc.hpp"
#include "armada/serialization/metadata.hpp"
#include "armada/serialization/v1/envelope.pb.h"

using namespace armada;
using namespace armada::serialization;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

envelope full_envelope() {
  envelope e;
  e.id = "0b9c6f5e-3c1a-4a57-9a4f-1d2e3f4a5b6c";
  e.key = "customer-42";
  e.metadata = {{std::string{metadata::content_type}, "application/json"},
                {std::string{metadata::type}, "order.placed"},
                {std::string{metadata::traceparent},
                 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                {"x-empty", ""}};
  e.payload = "\0binary\0\xff\xfe payload\0"s;
  e.publish_time = std::chrono::system_clock::time_point{1714566896123456789ns};
  e.delivery_attempt = 3;
  e.topic = "orders";
  return e;
}

} // namespace

TEST(serialization_envelope, every_part_of_an_envelope_survives_a_round_trip) {
  auto e = full_envelope();
  auto back = decode_envelope(encode(e));
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(*back, e);
  EXPECT_EQ(back->payload.size(), 19u);
  EXPECT_EQ(back->publish_time.time_since_epoch(), 1714566896123456789ns);
}

TEST(serialization_envelope, a_default_envelope_round_trips_and_is_not_empty_on_the_wire) {
  envelope e;
  auto bytes = encode(e);
  EXPECT_FALSE(bytes.empty());
  auto back = decode_envelope(bytes);
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(*back, e);
}

TEST(serialization_envelope, metadata_and_ids_that_are_not_utf8_survive) {
  envelope e;
  e.id = "\xc3\x28";
  e.key = "\xff";
  e.topic = "t\xfe";
  e.metadata = {{"k\x80", "\x80\x81\0"s}};
  auto back = decode_envelope(encode(e));
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(*back, e);
}

TEST(serialization_envelope, a_one_mebibyte_payload_round_trips) {
  envelope e;
  e.payload.resize(1 << 20);
  for (std::size_t i = 0; i < e.payload.size(); ++i)
    e.payload[i] = static_cast<char>(i * 7 % 256);
  auto back = decode_envelope(encode(e));
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(back->payload, e.payload);
}

TEST(serialization_envelope, publish_times_before_1970_keep_their_nanoseconds) {
  envelope e;
  e.publish_time = std::chrono::system_clock::time_point{-1234567891ns};
  auto back = decode_envelope(encode(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->publish_time, e.publish_time);
}

TEST(serialization_envelope, empty_input_is_an_error_that_says_so) {
  auto back = decode_envelope("");
  ASSERT_FALSE(back);
  EXPECT_EQ(code_of(back.error()), static_cast<std::uint8_t>(errc::decode_failed));
  EXPECT_NE(describe(back.error()).find("the input is empty"), std::string::npos)
      << describe(back.error());
}

TEST(serialization_envelope, garbage_is_an_error_naming_an_armada_envelope) {
  for (auto garbage : {"hello world"s, "{\"id\":\"1\"}"s, "\xff\xff\xff\xff\xff\xff"s, "\0"s,
                       std::string(100, '\x08')}) {
    auto back = decode_envelope(garbage);
    ASSERT_FALSE(back) << "accepted: " << garbage;
    EXPECT_NE(describe(back.error()).find("not an armada envelope"), std::string::npos)
        << describe(back.error());
  }
}

TEST(serialization_envelope, every_truncation_of_an_encoded_envelope_is_an_error) {
  auto bytes = encode(full_envelope());
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    auto back = decode_envelope(std::string_view{bytes}.substr(0, n));
    ASSERT_FALSE(back) << "a prefix of " << n << " of " << bytes.size() << " bytes decoded";
    EXPECT_NE(describe(back.error()).find("cut short"), std::string::npos);
  }
}

TEST(serialization_envelope, input_over_the_limit_is_refused_naming_the_limit) {
  envelope e;
  e.payload = std::string(2000, 'x');
  auto back = decode_envelope(encode(e), 1000);
  ASSERT_FALSE(back);
  EXPECT_EQ(code_of(back.error()), static_cast<std::uint8_t>(errc::too_large));
  EXPECT_NE(describe(back.error()).find("exceeds the limit of 1000 bytes"), std::string::npos)
      << describe(back.error());
}

TEST(serialization_envelope, an_envelope_of_a_newer_format_asks_for_an_upgrade) {
  armada::serialization::v1::Envelope msg;
  msg.set_id("x");
  msg.set_format(2);
  auto back = decode_envelope(msg.SerializeAsString());
  ASSERT_FALSE(back);
  EXPECT_NE(describe(back.error()).find("upgrade armada"), std::string::npos)
      << describe(back.error());
}
