// ndjson: one JSON object per line, readable by jq; binary payloads in base64.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "armada/runtime/uuid.hpp"
#include "armada/serialization/base64.hpp"
#include "support.hpp"

using namespace armada;
using namespace armada::io_test;
using herald::errc;
using herald::io::format;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

} // namespace

TEST(io_ndjson, text_and_binary_payloads_round_trip_with_metadata_key_and_publish_time) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write, with_format(format::ndjson));
  auto s = subscribe(*d, "orders");
  auto text = make_message("orders", "{\"total\": 12.5} — ünïcode", "A-1");
  text.metadata["content-type"] = "application/json";
  text.published =
      std::chrono::system_clock::time_point{std::chrono::nanoseconds{1714564800000000001}};
  auto binary = make_message("orders", std::string{"\0\xff\xfe\n", 4}, "A-2");
  binary.metadata["x-note"] = "tab\tand \"quotes\"";
  ASSERT_TRUE(d->publish(text));
  ASSERT_TRUE(d->publish(binary));
  auto got = fetch_until(*s, 2);
  ASSERT_EQ(got.messages.size(), 2u) << describe(got.end);
  EXPECT_EQ(got.messages[0].payload, text.payload);
  EXPECT_EQ(got.messages[0].key, "A-1");
  EXPECT_EQ(got.messages[0].metadata, text.metadata);
  EXPECT_EQ(got.messages[0].published, text.published);
  EXPECT_EQ(got.messages[0].attempt, 1u);
  EXPECT_EQ(got.messages[1].payload, binary.payload);
  EXPECT_EQ(got.messages[1].metadata, binary.metadata); // content-transfer-encoding removed again
}

TEST(io_ndjson, every_line_is_one_json_object_with_the_documented_fields) {
  pipe_ends p;
  auto w = driver_on(-1, p.write, with_format(format::ndjson));
  auto text = make_message("orders", "hello", "k");
  text.id = "id-text";
  text.metadata["content-type"] = "text/plain";
  auto binary = make_message("orders", std::string{"\0\x01\xff", 3});
  binary.id = "id-binary";
  ASSERT_TRUE(w->publish(text));
  ASSERT_TRUE(w->publish(binary));
  w->close();
  p.close_write();
  auto lines = lines_of(p.drain());
  ASSERT_EQ(lines.size(), 2u);
  std::vector<nlohmann::json> objs;
  for (auto& line : lines) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    ASSERT_TRUE(j.is_object()) << line;
    for (auto* field : {"id", "key", "topic", "metadata", "payload", "published", "attempt"})
      EXPECT_TRUE(j.contains(field)) << field << " missing in " << line;
    EXPECT_TRUE(j["metadata"].is_object());
    EXPECT_EQ(j["attempt"], 0); // not delivered yet
    EXPECT_EQ(j["published"].get<std::string>().back(), 'Z');
    objs.push_back(j);
  }
  EXPECT_EQ(lines[0].substr(0, 6), "{\"id\":"); // fields in the documented order
  EXPECT_EQ(objs[0]["id"], "id-text");
  EXPECT_EQ(objs[0]["payload"], "hello");
  EXPECT_EQ(objs[0]["metadata"]["content-type"], "text/plain");
  EXPECT_FALSE(objs[0]["metadata"].contains("content-transfer-encoding"));
  EXPECT_EQ(objs[1]["metadata"]["content-transfer-encoding"], "base64");
  auto raw = serialization::base64_decode(objs[1]["payload"].get<std::string>());
  ASSERT_TRUE(raw);
  EXPECT_EQ(*raw, binary.payload);
}

TEST(io_ndjson, jq_selects_and_prints_payloads_of_a_file_written_by_the_provider) {
  if (std::system("command -v jq >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "jq is not installed";
  auto path = std::filesystem::temp_directory_path() /
              ("armada-io-" + uuid::random().to_string() + ".ndjson");
  {
    auto w = herald::io::open_driver("io://" + path.string() + "?format=ndjson&mode=write");
    ASSERT_TRUE(w) << describe(w.error());
    ASSERT_TRUE((*w)->publish(make_message("orders", "first order")));
    ASSERT_TRUE((*w)->publish(make_message("refunds", "a refund")));
    ASSERT_TRUE((*w)->publish(make_message("orders", "second order")));
    (*w)->close();
  }
  auto cmd = "jq -r 'select(.topic == \"orders\") | .payload' " + path.string();
  auto* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[256];
  while (auto n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  EXPECT_EQ(::pclose(pipe), 0);
  std::filesystem::remove(path);
  EXPECT_EQ(out, "first order\nsecond order\n");
}

TEST(io_ndjson, lines_made_by_hand_or_jq_are_read_with_defaults_and_blank_lines_are_skipped) {
  pipe_ends p;
  auto o = with_format(format::ndjson);
  o.default_topic = "inbox";
  auto d = driver_on(p.read, -1, o);
  auto s = subscribe(*d, "inbox");
  p.put("{\"payload\":{\"a\":1}}\n\n   \n{\"payload\":\"plain\",\"extra\":true}\r\n");
  auto got = fetch_until(*s, 2);
  ASSERT_EQ(got.messages.size(), 2u) << describe(got.end);
  EXPECT_EQ(got.messages[0].payload, "{\"a\":1}"); // a JSON value payload arrives as its text
  EXPECT_EQ(got.messages[1].payload, "plain");
  EXPECT_FALSE(got.messages[0].id.empty());
  EXPECT_NE(got.messages[0].id, got.messages[1].id);
  EXPECT_EQ(got.messages[0].topic, "inbox");
}

TEST(io_ndjson, a_line_that_is_not_json_is_a_decode_error_naming_its_offset) {
  pipe_ends p;
  auto d = driver_on(p.read, -1, with_format(format::ndjson));
  auto s = subscribe(*d, "t");
  p.put("{\"topic\":\"t\",\"payload\":\"ok\"}\nthis is not json\n{\"topic\":\"t\"}\n");
  auto got = fetch_until(*s, 3);
  ASSERT_EQ(got.messages.size(), 1u);
  ASSERT_TRUE(got.end);
  EXPECT_EQ(herald::code_of(got.end), errc::decode);
  EXPECT_TRUE(mentions(got.end, "at byte 29")) << describe(got.end);
  EXPECT_TRUE(mentions(got.end, "not JSON")) << describe(got.end);
}

TEST(io_ndjson, a_line_without_a_topic_and_no_topic_property_is_an_error_naming_topic) {
  pipe_ends p;
  auto d = driver_on(p.read, -1, with_format(format::ndjson));
  auto s = subscribe(*d, "t");
  p.put("{\"payload\":\"who am I for\"}\n");
  auto got = fetch_until(*s, 1);
  ASSERT_TRUE(got.end);
  EXPECT_TRUE(mentions(got.end, "'topic'")) << describe(got.end);
}

TEST(io_ndjson, a_line_over_max_frame_is_an_error_even_before_its_newline_arrives) {
  pipe_ends p;
  auto o = with_format(format::ndjson);
  o.max_frame = 64;
  auto d = driver_on(p.read, -1, o);
  auto s = subscribe(*d, "t");
  p.put("{\"topic\":\"t\",\"payload\":\"" + std::string(200, 'x')); // no newline yet
  auto got = fetch_until(*s, 1, 5s);
  ASSERT_TRUE(got.end);
  EXPECT_TRUE(mentions(got.end, "max-frame")) << describe(got.end);
  EXPECT_TRUE(mentions(got.end, "line")) << describe(got.end);
}

TEST(io_ndjson, a_message_carrying_its_own_content_transfer_encoding_is_refused_not_altered) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write, with_format(format::ndjson));
  auto m = make_message("t", "aGVsbG8=");
  m.metadata["content-transfer-encoding"] = "base64";
  auto r = d->publish(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), errc::encode);
  EXPECT_TRUE(mentions(r.error(), "content-transfer-encoding")) << describe(r.error());
  EXPECT_TRUE(mentions(r.error(), "format=frames")) << describe(r.error());
}
