#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"
#include "armada/serialization/v1/event.pb.h"
#include "event_formats.hpp"

using namespace armada;
using namespace armada::serialization;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

const capitan::signal order_placed{"test.serialization.order_placed", "an order was placed"};

template <class T> using lim = std::numeric_limits<T>;

const capitan::key<std::string> k_string{"string"};
const capitan::key<std::int32_t> k_int32{"int32"};
const capitan::key<std::int64_t> k_int64{"int64"};
const capitan::key<std::uint32_t> k_uint32{"uint32"};
const capitan::key<std::uint64_t> k_uint64{"uint64"};
const capitan::key<float> k_float{"float"};
const capitan::key<double> k_double{"double"};
const capitan::key<bool> k_bool{"bool"};
const capitan::key<capitan::time_point> k_time{"time"};
const capitan::key<std::chrono::nanoseconds> k_duration{"duration"};
const capitan::key<capitan::bytes> k_bytes{"bytes"};
const capitan::key<capitan::error_value> k_error{"error"};

capitan::time_point at(std::chrono::nanoseconds since_epoch) {
  return capitan::time_point{since_epoch};
}

capitan::bytes every_byte() {
  capitan::bytes out;
  for (int i = 0; i < 256; ++i)
    out.push_back(static_cast<std::byte>(i));
  return out;
}

capitan::event event_with(std::vector<capitan::field> fields) {
  auto ctx = std::make_shared<capitan::context>();
  ctx->trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  ctx->correlation_id = "req-17";
  return capitan::event::make(order_placed, capitan::severity::warn, std::move(fields),
                              std::move(ctx), at(1714566896123456789ns));
}

class event_round_trip : public ::testing::TestWithParam<test::event_format> {
protected:
  // Encodes and decodes `e` with the format under test and makes an event of the result.
  capitan::event round_trip(const capitan::event& e) {
    auto bytes = GetParam().encode(e, default_custom_registry());
    EXPECT_TRUE(bytes) << describe(bytes.error());
    if (!bytes)
      return {};
    auto decoded = GetParam().decode(*bytes, {});
    EXPECT_TRUE(decoded) << describe(decoded.error());
    if (!decoded)
      return {};
    return make_event(*decoded);
  }

  // The value of `key` after a round trip of one field holding `value`.
  template <class T> std::optional<T> through(const capitan::key<T>& key, T value) {
    auto back = round_trip(event_with({key(value)}));
    return back.valid() ? key.from(back) : std::nullopt;
  }
};

} // namespace

TEST_P(event_round_trip, signal_severity_timestamp_and_context_arrive_unchanged) {
  auto back = round_trip(event_with({}));
  ASSERT_TRUE(back.valid());
  EXPECT_EQ(back.signal(), order_placed);
  EXPECT_EQ(back.signal().description(), "an order was placed");
  EXPECT_EQ(back.level(), capitan::severity::warn);
  EXPECT_EQ(back.timestamp(), at(1714566896123456789ns));
  EXPECT_EQ(back.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(back.correlation_id(), "req-17");
}

TEST_P(event_round_trip, an_event_without_context_arrives_without_one) {
  auto back = round_trip(capitan::event::make(order_placed, capitan::severity::debug, {}));
  ASSERT_TRUE(back.valid());
  EXPECT_EQ(back.ctx(), nullptr);
  EXPECT_EQ(back.level(), capitan::severity::debug);
}

TEST_P(event_round_trip, every_builtin_variant_reads_back_with_its_key) {
  auto now = std::chrono::system_clock::now();
  auto back = round_trip(
      event_with({k_string("A-1"), k_int32(-3), k_int64(-4), k_uint32(5), k_uint64(6),
                  k_float(1.5f), k_double(2.25), k_bool(true), k_time(now), k_duration(-5ms),
                  k_bytes(every_byte()), k_error({"E42", "disk full"})}));
  ASSERT_TRUE(back.valid());
  EXPECT_EQ(back.fields().size(), 12u);
  EXPECT_EQ(k_string.from(back), "A-1");
  EXPECT_EQ(k_int32.from(back), -3);
  EXPECT_EQ(k_int64.from(back), -4);
  EXPECT_EQ(k_uint32.from(back), 5u);
  EXPECT_EQ(k_uint64.from(back), 6u);
  EXPECT_EQ(k_float.from(back), 1.5f);
  EXPECT_EQ(k_double.from(back), 2.25);
  EXPECT_EQ(k_bool.from(back), true);
  EXPECT_EQ(k_time.from(back), now);
  EXPECT_EQ(k_duration.from(back), -5ms);
  EXPECT_EQ(k_bytes.from(back), every_byte());
  EXPECT_EQ(k_error.from(back), (capitan::error_value{"E42", "disk full"}));
  for (std::size_t i = 0; i < back.fields().size(); ++i)
    EXPECT_EQ(static_cast<std::size_t>(back.fields()[i].kind()), i) << "fields keep their order";
}

TEST_P(event_round_trip, integers_keep_their_extremes_exactly) {
  EXPECT_EQ(through(k_int32, lim<std::int32_t>::min()), lim<std::int32_t>::min());
  EXPECT_EQ(through(k_int32, lim<std::int32_t>::max()), lim<std::int32_t>::max());
  EXPECT_EQ(through(k_int64, lim<std::int64_t>::min()), lim<std::int64_t>::min());
  EXPECT_EQ(through(k_int64, lim<std::int64_t>::max()), lim<std::int64_t>::max());
  EXPECT_EQ(through(k_int64, std::int64_t{(1LL << 53) + 1}), (1LL << 53) + 1);
  EXPECT_EQ(through(k_uint32, lim<std::uint32_t>::max()), lim<std::uint32_t>::max());
  EXPECT_EQ(through(k_uint64, lim<std::uint64_t>::max()), lim<std::uint64_t>::max());
  EXPECT_EQ(through(k_uint64, std::uint64_t{0}), 0u);
}

TEST_P(event_round_trip, floats_and_doubles_come_back_bit_for_bit) {
  for (float f : {0.1f, -1.1f, 3.14159274f, lim<float>::max(), lim<float>::lowest(),
                  lim<float>::min(), lim<float>::denorm_min(), 16777217.0f, 0.0f})
    EXPECT_EQ(through(k_float, f), f);
  for (double d : {0.1, -2.5e-300, lim<double>::max(), lim<double>::lowest(), lim<double>::min(),
                   lim<double>::denorm_min(), 9007199254740993.0, 1.0 / 3.0})
    EXPECT_EQ(through(k_double, d), d);
  auto negative_zero = through(k_double, -0.0);
  ASSERT_TRUE(negative_zero);
  EXPECT_TRUE(std::signbit(*negative_zero));
}

TEST_P(event_round_trip, non_finite_floats_survive) {
  EXPECT_TRUE(std::isnan(*through(k_double, lim<double>::quiet_NaN())));
  EXPECT_EQ(through(k_double, lim<double>::infinity()), lim<double>::infinity());
  EXPECT_EQ(through(k_float, -lim<float>::infinity()), -lim<float>::infinity());
}

TEST_P(event_round_trip, time_points_keep_nanoseconds_on_both_sides_of_1970) {
  for (auto t : {1714566896123456789ns, 1714566896000000000ns, 1714566896120000000ns, 0ns, 1ns,
                 -1ns, -1234567891ns, -2208988800000000001ns})
    EXPECT_EQ(through(k_time, at(t)), at(t)) << t.count();
  auto latest = capitan::time_point::max();
  EXPECT_EQ(through(k_time, latest), latest);
  auto earliest = capitan::time_point::min();
  EXPECT_EQ(through(k_time, earliest), earliest);
}

TEST_P(event_round_trip, durations_keep_their_sign_and_extremes) {
  for (auto d :
       {std::chrono::nanoseconds{-1500ms}, std::chrono::nanoseconds{-1},
        std::chrono::nanoseconds{0}, std::chrono::nanoseconds{1}, std::chrono::nanoseconds{24h},
        std::chrono::nanoseconds::min(), std::chrono::nanoseconds::max()})
    EXPECT_EQ(through(k_duration, std::chrono::nanoseconds{d}), d) << d.count();
}

TEST_P(event_round_trip, strings_bytes_and_errors_keep_empty_and_unusual_values) {
  EXPECT_EQ(through(k_string, ""s), "");
  EXPECT_EQ(through(k_string, "ünïcødé ✓ \"quoted\" \n\t"s), "ünïcødé ✓ \"quoted\" \n\t");
  EXPECT_EQ(through(k_string, "with\0nul"s), "with\0nul"s);
  EXPECT_EQ(through(k_bytes, capitan::bytes{}), capitan::bytes{});
  EXPECT_EQ(through(k_bytes, capitan::bytes{std::byte{0}}), capitan::bytes{std::byte{0}});
  EXPECT_EQ(through(k_error, capitan::error_value{}), capitan::error_value{});
  EXPECT_EQ(through(k_error, capitan::error_value{"E1", "über \"bad\""}),
            (capitan::error_value{"E1", "über \"bad\""}));
}

TEST_P(event_round_trip, a_repeated_field_name_keeps_both_and_the_last_still_wins) {
  auto back = round_trip(event_with({k_int32(1), k_int32(2)}));
  ASSERT_TRUE(back.valid());
  EXPECT_EQ(back.fields().size(), 2u);
  EXPECT_EQ(k_int32.from(back), 2);
}

TEST_P(event_round_trip, a_field_read_as_another_type_is_still_empty_after_the_trip) {
  auto back = round_trip(event_with({k_int32(7)}));
  ASSERT_TRUE(back.valid());
  EXPECT_EQ(capitan::key<std::int64_t>{"int32"}.from(back), std::nullopt);
}

TEST_P(event_round_trip, a_default_constructed_event_is_an_encode_error) {
  auto bytes = GetParam().encode(capitan::event{}, default_custom_registry());
  ASSERT_FALSE(bytes);
  EXPECT_NE(describe(bytes.error()).find("empty capitan::event"), std::string::npos);
}

TEST_P(event_round_trip, empty_and_garbage_input_are_decode_errors) {
  for (auto bad : {""s, "garbage"s, "\xff\xff\xff"s, "[1,2]"s}) {
    auto decoded = GetParam().decode(bad, {});
    ASSERT_FALSE(decoded) << "accepted: " << bad;
    EXPECT_EQ(code_of(decoded.error()), static_cast<std::uint8_t>(errc::decode_failed));
    EXPECT_NE(describe(decoded.error()).find("cannot decode event"), std::string::npos)
        << describe(decoded.error());
  }
}

TEST_P(event_round_trip, every_truncation_of_an_encoded_event_is_an_error) {
  auto bytes = GetParam().encode(event_with({k_string("A-1"), k_int64(-4), k_bytes(every_byte())}),
                                 default_custom_registry());
  ASSERT_TRUE(bytes);
  for (std::size_t n = 0; n < bytes->size(); ++n)
    ASSERT_FALSE(GetParam().decode(std::string_view{*bytes}.substr(0, n), {}))
        << "a prefix of " << n << " of " << bytes->size() << " bytes decoded";
}

TEST_P(event_round_trip, input_over_the_size_limit_is_refused) {
  auto bytes =
      GetParam().encode(event_with({k_string(std::string(500, 'x'))}), default_custom_registry());
  ASSERT_TRUE(bytes);
  event_decode_options opts;
  opts.max_size = 100;
  auto decoded = GetParam().decode(*bytes, opts);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(code_of(decoded.error()), static_cast<std::uint8_t>(errc::too_large));
}

INSTANTIATE_TEST_SUITE_P(serialization, event_round_trip,
                         ::testing::Values(test::protobuf_form(), test::json_form()),
                         [](const auto& info) { return info.param.name; });

TEST(serialization_event_codec, the_protobuf_form_is_labelled_with_its_message_type) {
  EXPECT_EQ(event_content_type(),
            "application/x-protobuf; messageType=armada.serialization.v1.Event");
  EXPECT_EQ(event_json_content_type(), "application/json");
}

TEST(serialization_event_codec, a_decoded_event_can_be_forwarded_unchanged) {
  auto e = event_with({k_int64(-9), k_string("x")});
  auto once = encode_event(e);
  ASSERT_TRUE(once);
  auto decoded = decode_event(*once);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->signal, order_placed.name());
  auto twice = encode_event(*decoded);
  ASSERT_TRUE(twice);
  EXPECT_EQ(*twice, *once);
  EXPECT_EQ(encode_event(to_decoded(e)), *once);
}

TEST(serialization_event_codec, a_field_of_a_kind_this_build_does_not_know_is_an_error) {
  v1::Event msg;
  msg.set_signal("s");
  msg.set_severity(v1::SEVERITY_INFO);
  msg.add_fields()->set_name("from_the_future");
  msg.set_format(1);
  auto decoded = decode_event(msg.SerializeAsString());
  ASSERT_FALSE(decoded);
  EXPECT_NE(describe(decoded.error()).find("'from_the_future'"), std::string::npos)
      << describe(decoded.error());
}

TEST(serialization_event_codec, an_unknown_severity_or_newer_format_is_an_error) {
  v1::Event msg;
  msg.set_signal("s");
  msg.set_format(1);
  auto no_severity = decode_event(msg.SerializeAsString());
  ASSERT_FALSE(no_severity);
  EXPECT_NE(describe(no_severity.error()).find("unknown severity"), std::string::npos);
  msg.set_severity(v1::SEVERITY_INFO);
  msg.set_format(7);
  auto newer = decode_event(msg.SerializeAsString());
  ASSERT_FALSE(newer);
  EXPECT_NE(describe(newer.error()).find("upgrade armada"), std::string::npos);
}
