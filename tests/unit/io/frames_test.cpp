// Frames: 4-byte big-endian length + Protobuf envelope. Binary safety, limits, bad input, EOF.

#include <gtest/gtest.h>

#include "support.hpp"

using namespace armada;
using namespace armada::io_test;
using herald::errc;
using herald::io::format;

TEST(io_frames, a_binary_payload_with_nuls_and_every_field_round_trip_through_a_pipe) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write, with_format(format::frames));
  auto s = subscribe(*d, "orders");
  auto m = make_message("orders", std::string{"\0\x01\xff\n\r\0 binary", 13}, "key-7");
  m.id = "id-1";
  m.metadata["content-type"] = "application/octet-stream";
  m.metadata["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  m.metadata["x-binary"] = std::string{"a\0b", 3};
  m.published =
      std::chrono::system_clock::time_point{std::chrono::nanoseconds{1714564800123456789}};
  auto r = d->publish(m);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->id, "id-1");
  EXPECT_EQ(r->broker, "0"); // the frame's byte offset in the stream
  auto got = fetch_until(*s, 1);
  ASSERT_EQ(got.messages.size(), 1u) << describe(got.end);
  auto& x = got.messages[0];
  EXPECT_EQ(x.payload, m.payload);
  EXPECT_EQ(x.id, "id-1");
  EXPECT_EQ(x.key, "key-7");
  EXPECT_EQ(x.topic, "orders");
  EXPECT_EQ(x.metadata, m.metadata);
  EXPECT_EQ(x.published, m.published);
  EXPECT_EQ(x.attempt, 1u);
  EXPECT_EQ(x.broker, "0");
}

TEST(io_frames, receipts_carry_increasing_stream_offsets_and_a_batch_is_one_write) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  auto batch = d->publish_batch(
      {make_message("t", "one"), make_message("t", "two"), make_message("t", "three")});
  ASSERT_TRUE(batch) << describe(batch.error());
  ASSERT_EQ(batch->size(), 3u);
  auto s = subscribe(*d, "t");
  auto got = fetch_until(*s, 3);
  ASSERT_EQ(got.messages.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(got.messages[i].broker, (*batch)[i].broker);
  EXPECT_LT(std::stoull((*batch)[0].broker), std::stoull((*batch)[1].broker));
  EXPECT_LT(std::stoull((*batch)[1].broker), std::stoull((*batch)[2].broker));
  EXPECT_FALSE((*batch)[0].id.empty()); // ids are made for messages without one
  EXPECT_NE((*batch)[0].id, (*batch)[1].id);
}

TEST(io_frames,
     a_frame_over_max_frame_is_an_error_naming_max_frame_and_the_stream_is_not_read_further) {
  pipe_ends p;
  auto writer = driver_on(-1, p.write, with_format(format::frames, "writer"));
  auto small = with_format(format::frames, "reader");
  small.max_frame = 1024;
  auto reader = driver_on(p.read, -1, small);
  auto s = subscribe(*reader, "t");
  ASSERT_TRUE(writer->publish(make_message("t", "before")));
  ASSERT_TRUE(writer->publish(make_message("t", std::string(2048, 'x'))));
  ASSERT_TRUE(writer->publish(make_message("t", "after")));
  auto got = fetch_until(*s, 3);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0].payload, "before");
  ASSERT_TRUE(got.end);
  EXPECT_EQ(herald::code_of(got.end), errc::decode);
  EXPECT_TRUE(mentions(got.end, "max-frame")) << describe(got.end);
  EXPECT_TRUE(mentions(got.end, "1024 bytes")) << describe(got.end);
  auto again = s->fetch(10, 100ms); // still the error: "after" is never trusted
  ASSERT_FALSE(again);
  EXPECT_TRUE(mentions(again.error(), "max-frame"));
}

TEST(io_frames,
     a_header_announcing_two_gib_fails_at_once_without_waiting_for_or_allocating_the_bytes) {
  pipe_ends p;
  auto reader = driver_on(p.read, -1);
  auto s = subscribe(*reader, "t");
  p.put(std::string{"\x7f\xff\xff\xff", 4});
  auto start = std::chrono::steady_clock::now();
  auto r = s->fetch(1, 10s);
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(mentions(r.error(), "max-frame")) << describe(r.error());
  EXPECT_TRUE(mentions(r.error(), "2147483647 bytes")) << describe(r.error());
}

TEST(io_frames, publishing_a_message_over_max_frame_is_refused_with_an_error_naming_max_frame) {
  pipe_ends p;
  auto o = with_format(format::frames);
  o.max_frame = 100;
  auto d = driver_on(p.read, p.write, o);
  auto r = d->publish(make_message("t", std::string(500, 'x')));
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), errc::encode);
  EXPECT_TRUE(mentions(r.error(), "max-frame")) << describe(r.error());
  EXPECT_TRUE(d->publish(make_message("t", "small"))); // the stream is still fine
}

TEST(io_frames, garbage_after_a_valid_length_is_a_clear_decode_error) {
  pipe_ends p;
  auto d = driver_on(p.read, -1);
  auto s = subscribe(*d, "t");
  p.put(std::string{"\0\0\0\x0a", 4} + "0123456789");
  auto got = fetch_until(*s, 1);
  EXPECT_TRUE(got.messages.empty());
  ASSERT_TRUE(got.end);
  EXPECT_EQ(herald::code_of(got.end), errc::decode);
  EXPECT_TRUE(mentions(got.end, "not an armada frame")) << describe(got.end);
  EXPECT_TRUE(mentions(got.end, "at byte 0")) << describe(got.end);
}

TEST(io_frames, text_written_into_a_frame_stream_is_a_decode_error_not_a_huge_allocation) {
  pipe_ends p;
  auto d = driver_on(p.read, -1);
  auto s = subscribe(*d, "t");
  p.put("hello, this is not a frame\n");
  auto got = fetch_until(*s, 1, 5s);
  ASSERT_TRUE(got.end);
  EXPECT_EQ(herald::code_of(got.end), errc::decode);
  EXPECT_TRUE(mentions(got.end, "max-frame")) << describe(got.end);
}

TEST(io_frames, at_end_of_stream_the_remaining_messages_arrive_then_fetch_reports_a_clean_end) {
  pipe_ends p;
  auto reader = driver_on(p.read, -1);
  auto s = subscribe(*reader, "t");
  {
    auto writer = driver_on(-1, p.write);
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(writer->publish(make_message("t", std::to_string(i))));
    writer->close();
  }
  p.close_write();
  auto got = fetch_to_end(*s);
  ASSERT_EQ(got.messages.size(), 3u);
  ASSERT_TRUE(got.end);
  EXPECT_EQ(herald::code_of(got.end), errc::closed);
  EXPECT_TRUE(mentions(got.end, "end of stream")) << describe(got.end);
  EXPECT_FALSE(mentions(got.end, "incomplete")) << describe(got.end);
}

TEST(io_frames, a_stream_cut_off_mid_frame_delivers_the_whole_frames_and_ends_cleanly) {
  pipe_ends p;
  std::string bytes;
  {
    pipe_ends scratch; // encode two frames by publishing them into a scratch pipe
    auto w = driver_on(-1, scratch.write);
    ASSERT_TRUE(w->publish(make_message("t", "whole")));
    ASSERT_TRUE(w->publish(make_message("t", "cut short")));
    w->close();
    scratch.close_write();
    bytes = scratch.drain();
  }
  auto reader = driver_on(p.read, -1);
  auto s = subscribe(*reader, "t");
  p.put(bytes.substr(0, bytes.size() - 5));
  p.close_write();
  auto got = fetch_to_end(*s);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0].payload, "whole");
  EXPECT_EQ(herald::code_of(got.end), errc::closed);
  EXPECT_TRUE(mentions(got.end, "incomplete")) << describe(got.end);
}
