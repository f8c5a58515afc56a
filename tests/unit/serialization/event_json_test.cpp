#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include <nlohmann/json.hpp>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"

using namespace armada;
using namespace armada::serialization;
using namespace std::chrono_literals;
using namespace std::string_literals;
using json = nlohmann::json;

namespace {

const capitan::signal payment_failed{"test.serialization.payment_failed"};

std::string error_of(std::string_view text) {
  auto decoded = decode_event_json(text);
  return decoded ? std::string{"decoded"} : describe(decoded.error());
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(serialization_event_json, the_json_form_is_one_line_that_jq_can_read) {
  auto ctx = std::make_shared<capitan::context>();
  ctx->trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto e = capitan::event::make(
      payment_failed, capitan::severity::error,
      {capitan::key<std::int64_t>{"big"}(std::numeric_limits<std::int64_t>::min()),
       capitan::key<std::uint64_t>{"huge"}(std::numeric_limits<std::uint64_t>::max()),
       capitan::key<std::int32_t>{"small"}(-7), capitan::key<float>{"ratio"}(1.1f),
       capitan::key<capitan::bytes>{"raw"}(capitan::bytes{std::byte{'f'}, std::byte{'o'}}),
       capitan::key<std::chrono::nanoseconds>{"wait"}(-1500ms),
       capitan::key<capitan::time_point>{"at"}(capitan::time_point{1714566896123000000ns}),
       capitan::key<capitan::error_value>{"why"}({"E42", "card declined"})},
      ctx, capitan::time_point{1714566896000000000ns});
  auto text = encode_event_json(e);
  ASSERT_TRUE(text) << describe(text.error());
  EXPECT_EQ(text->find('\n'), std::string::npos);
  EXPECT_EQ(text->rfind(R"({"signal":"test.serialization.payment_failed","severity":"error",)", 0),
            0u)
      << *text;
  auto j = json::parse(*text);
  EXPECT_EQ(j["timestamp"], "2024-05-01T12:34:56Z");
  EXPECT_EQ(j["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(j.contains("correlation_id"));
  auto& f = j["fields"];
  EXPECT_EQ(f[0], json::parse(R"({"name":"big","type":"int64","value":"-9223372036854775808"})"));
  EXPECT_EQ(f[1]["value"], "18446744073709551615");
  EXPECT_EQ(f[2]["value"], -7);
  EXPECT_EQ(f[3]["type"], "float32");
  EXPECT_EQ(f[3]["value"].dump(), "1.1");
  EXPECT_EQ(f[4]["value"], "Zm8=");
  EXPECT_EQ(f[5]["value"], "-1.500s");
  EXPECT_EQ(f[6]["value"], "2024-05-01T12:34:56.123Z");
  EXPECT_EQ(f[7]["value"], json::parse(R"({"code":"E42","message":"card declined"})"));
}

TEST(serialization_event_json, non_finite_floats_are_written_as_strings) {
  auto e =
      capitan::event::make(payment_failed, capitan::severity::info,
                           {capitan::key<double>{"nan"}(std::numeric_limits<double>::quiet_NaN()),
                            capitan::key<float>{"inf"}(-std::numeric_limits<float>::infinity())});
  auto j = json::parse(*encode_event_json(e));
  EXPECT_EQ(j["fields"][0]["value"], "NaN");
  EXPECT_EQ(j["fields"][1]["value"], "-Infinity");
}

TEST(serialization_event_json, hand_written_json_with_numbers_and_defaults_is_read) {
  auto before = std::chrono::system_clock::now();
  auto decoded = decode_event_json(R"({"signal":"test.serialization.payment_failed","fields":[
    {"name":"big","type":"int64","value":-5},
    {"name":"huge","type":"uint64","value":18446744073709551615},
    {"name":"wait","type":"duration","value":"2.5s"},
    {"name":"at","type":"time","value":"1969-12-31t23:59:59.5z"}]})");
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_EQ(decoded->level, capitan::severity::info);
  EXPECT_GE(decoded->timestamp, before);
  auto e = make_event(*decoded);
  EXPECT_EQ(capitan::key<std::int64_t>{"big"}.from(e), -5);
  EXPECT_EQ(capitan::key<std::uint64_t>{"huge"}.from(e), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(capitan::key<std::chrono::nanoseconds>{"wait"}.from(e), 2500ms);
  EXPECT_EQ(capitan::key<capitan::time_point>{"at"}.from(e), capitan::time_point{-500ms});
}

TEST(serialization_event_json, a_value_out_of_range_or_of_the_wrong_shape_names_the_field) {
  auto out_of_range = error_of(R"({"signal":"s","fields":[
    {"name":"amount","type":"int32","value":3000000000}]})");
  EXPECT_TRUE(contains(out_of_range, "field 'amount' (int32)")) << out_of_range;
  EXPECT_TRUE(contains(out_of_range, "-2147483648 to 2147483647")) << out_of_range;
  auto negative_unsigned = error_of(R"({"signal":"s","fields":[
    {"name":"n","type":"uint64","value":"-1"}]})");
  EXPECT_TRUE(contains(negative_unsigned, "field 'n' (uint64)")) << negative_unsigned;
  auto bad_base64 = error_of(R"({"signal":"s","fields":[
    {"name":"b","type":"bytes","value":"Zm8"}]})");
  EXPECT_TRUE(contains(bad_base64, "field 'b' (bytes)")) << bad_base64;
  EXPECT_TRUE(contains(bad_base64, "invalid base64")) << bad_base64;
  auto bad_time = error_of(R"({"signal":"s","fields":[
    {"name":"t","type":"time","value":"2024-02-30T00:00:00Z"}]})");
  EXPECT_TRUE(contains(bad_time, "RFC 3339")) << bad_time;
  auto unknown_type =
      error_of(R"({"signal":"s","fields":[{"name":"x","type":"decimal","value":1}]})");
  EXPECT_TRUE(contains(unknown_type, "unknown type 'decimal'")) << unknown_type;
  auto float_overflow = error_of(R"({"signal":"s","fields":[
    {"name":"f","type":"float32","value":1e300}]})");
  EXPECT_TRUE(contains(float_overflow, "float range")) << float_overflow;
}

TEST(serialization_event_json, a_missing_signal_or_bad_severity_is_an_error) {
  EXPECT_TRUE(contains(error_of(R"({"fields":[]})"), "\"signal\"")) << error_of(R"({"fields":[]})");
  auto severity = error_of(R"({"signal":"s","severity":"fatal"})");
  EXPECT_TRUE(contains(severity, "severity 'fatal'")) << severity;
  auto fields = error_of(R"({"signal":"s","fields":{}})");
  EXPECT_TRUE(contains(fields, "not an array")) << fields;
}

TEST(serialization_event_json, a_string_that_is_not_utf8_is_an_error_naming_the_field) {
  auto e = capitan::event::make(
      payment_failed, capitan::severity::info,
      {capitan::key<std::string>{"ok"}("fine"), capitan::key<std::string>{"blob"}("\xff\xfe")});
  auto text = encode_event_json(e);
  ASSERT_FALSE(text);
  EXPECT_EQ(code_of(text.error()), static_cast<std::uint8_t>(errc::encode_failed));
  EXPECT_TRUE(contains(describe(text.error()), "field 'blob'")) << describe(text.error());
  EXPECT_TRUE(contains(describe(text.error()), "bytes key")) << describe(text.error());
  EXPECT_TRUE(encode_event(e)) << "the Protobuf form carries any string";
}
