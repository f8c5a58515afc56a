// URLs and properties: validated up front, errors name the property; files and FIFOs.

#include <filesystem>

#include <csignal>
#include <cerrno>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "armada/runtime.hpp"
#include "support.hpp"

using namespace armada;
using namespace armada::io_test;
using herald::errc;

namespace {

caf::error open_error(const std::string& url) {
  auto d = herald::io::open_driver(url);
  EXPECT_FALSE(d) << url << " was accepted";
  return d ? caf::error{} : d.error();
}

std::filesystem::path temp_path(const std::string& suffix) {
  return std::filesystem::temp_directory_path() /
         ("armada-io-" + uuid::random().to_string() + suffix);
}

} // namespace

TEST(io_url, an_unknown_property_is_an_error_naming_it_and_the_known_ones) {
  auto err = open_error("io://stdin?colour=red");
  EXPECT_EQ(herald::code_of(err), errc::config);
  EXPECT_TRUE(mentions(err, "'colour'")) << describe(err);
  EXPECT_TRUE(mentions(err, "max-frame")) << describe(err);
}

TEST(io_url, bad_property_values_are_errors_naming_the_property) {
  EXPECT_TRUE(mentions(open_error("io://stdin?format=xml"), "'format'"));
  EXPECT_TRUE(mentions(open_error("io://stdin?max-frame=big"), "'max-frame'"));
  EXPECT_TRUE(mentions(open_error("io://stdin?max-frame=0"), "'max-frame'"));
  EXPECT_TRUE(mentions(open_error("io://stdin?backlog=0"), "'backlog'"));
  EXPECT_TRUE(mentions(open_error("io://stdin?write-timeout=-5"), "'write-timeout'"));
  EXPECT_TRUE(mentions(open_error("io://stdin?mode=write"), "'mode'"));
  EXPECT_TRUE(mentions(open_error("io:///tmp/x?mode=sideways"), "'mode'"));
}

TEST(io_url, bad_targets_are_errors_showing_the_expected_forms) {
  EXPECT_TRUE(mentions(open_error("kafka://localhost:9092"), "scheme must be 'io'"));
  EXPECT_TRUE(mentions(open_error("io://keyboard"), "io://stdin, io://stdout, io://fd/N"));
  EXPECT_TRUE(mentions(open_error("io://fd/three"), "not a number"));
  EXPECT_TRUE(mentions(open_error("io://fd/987654"), "not open"));
  EXPECT_TRUE(mentions(open_error("io://stdin/extra"), "has a path"));
  auto missing = open_error("io:///nonexistent-armada-dir/stream");
  EXPECT_EQ(herald::code_of(missing), errc::transport);
  EXPECT_TRUE(mentions(missing, "/nonexistent-armada-dir/stream")) << describe(missing);
}

TEST(io_url, the_standard_streams_refuse_the_direction_they_cannot_do) {
  auto out = herald::io::open_driver("io://stdout");
  ASSERT_TRUE(out) << describe(out.error());
  auto sub = (*out)->subscribe("t", {});
  ASSERT_FALSE(sub);
  EXPECT_TRUE(mentions(sub.error(), "write-only")) << describe(sub.error());
  auto in = herald::io::open_driver("io://stdin");
  ASSERT_TRUE(in) << describe(in.error());
  auto r = (*in)->publish(make_message("t", "x"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "read-only")) << describe(r.error());
}

TEST(io_url, property_specs_document_every_property_with_its_default) {
  std::map<std::string, std::string> defaults;
  for (auto& s : herald::io::property_specs()) {
    EXPECT_FALSE(s.description.empty()) << s.name;
    defaults[s.name] = s.default_value;
  }
  EXPECT_EQ(defaults["format"], "frames");
  EXPECT_EQ(defaults["max-frame"], "16777216");
  EXPECT_EQ(defaults["mode"], "read");
  EXPECT_EQ(defaults.count("topic"), 1u);
}

TEST(io_url, a_file_written_with_mode_write_and_appended_to_is_read_back_to_a_clean_end) {
  auto path = temp_path(".frames");
  for (auto [mode, payload] : {std::pair{"write", "one"}, std::pair{"append", "two"}}) {
    auto w = herald::io::open_driver("io://" + path.string() + "?mode=" + mode);
    ASSERT_TRUE(w) << describe(w.error());
    ASSERT_TRUE((*w)->publish(make_message("t", payload)));
    (*w)->close();
  }
  auto r = herald::io::open_driver("io://" + path.string());
  ASSERT_TRUE(r) << describe(r.error());
  auto s = subscribe(**r, "t");
  auto got = fetch_to_end(*s);
  std::filesystem::remove(path);
  ASSERT_EQ(got.messages.size(), 2u) << describe(got.end);
  EXPECT_EQ(got.messages[0].payload, "one");
  EXPECT_EQ(got.messages[1].payload, "two");
  EXPECT_EQ(herald::code_of(got.end), errc::closed);
}

TEST(io_url, a_fifo_carries_messages_from_a_writer_to_a_reader_that_opened_it_first) {
  auto path = temp_path(".fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto no_reader = open_error("io://" + path.string() + "?mode=write");
  EXPECT_TRUE(mentions(no_reader, "start the reader first")) << describe(no_reader);
  auto r = herald::io::open_driver("io://" + path.string() + "?format=ndjson");
  ASSERT_TRUE(r) << describe(r.error());
  auto s = subscribe(**r, "t");
  EXPECT_TRUE(s->fetch(1, 50ms)->empty()); // no writer yet: waiting, not end of stream
  {
    auto w = herald::io::open_driver("io://" + path.string() + "?format=ndjson&mode=write");
    ASSERT_TRUE(w) << describe(w.error());
    ASSERT_TRUE((*w)->publish(make_message("t", "through the fifo")));
    (*w)->close(); // the writer owns its fd: closing it is the end of the stream
  }
  auto got = fetch_to_end(*s);
  std::filesystem::remove(path);
  ASSERT_EQ(got.messages.size(), 1u) << describe(got.end);
  EXPECT_EQ(got.messages[0].payload, "through the fifo");
  EXPECT_EQ(herald::code_of(got.end), errc::closed);
}

TEST(io_url, connect_fds_with_owns_fds_closes_them_and_without_leaves_them_open) {
  auto rt = runtime::start(std::make_unique<config>());
  auto& sys = rt->system();
  // The driver reads from pipe `in` and writes to pipe `out`; the test keeps the other end of
  // each. Closed descriptors are seen through those ends, not through their numbers, which
  // another thread of the process may reuse at once (a number check was flaky under ASan).
  pipe_ends in;
  pipe_ends out;
  ASSERT_GE(in.read, 0);
  ASSERT_GE(out.write, 0);
  auto o = herald::io::options{};
  o.owns_fds = true;
  auto c = herald::io::connect_fds(sys, in.read, out.write, o);
  ASSERT_TRUE(c) << describe(c.error());
  c->close();
  in.read = -1; // the driver's now
  out.write = -1;
  // No reader left on `in`: a write fails with EPIPE. No writer left on `out`: a read sees EOF.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  EXPECT_EQ(::write(in.write, "x", 1), -1);
  EXPECT_EQ(errno, EPIPE) << "the driver did not close the descriptor it read from";
  ::sigaction(SIGPIPE, &old, nullptr);
  char byte = 0;
  ::fcntl(out.read, F_SETFL, O_NONBLOCK); // a writer still open: EAGAIN, not a hang
  EXPECT_EQ(::read(out.read, &byte, 1), 0) << "the driver did not close the descriptor it wrote to";
  pipe_ends borrowed;
  auto b = herald::io::connect_fds(sys, borrowed.read, borrowed.write);
  ASSERT_TRUE(b) << describe(b.error());
  b->close();
  EXPECT_NE(::fcntl(borrowed.read, F_GETFD), -1);
  EXPECT_NE(::fcntl(borrowed.write, F_GETFD), -1);
}

TEST(io_url, io_pipe_is_a_loopback_whose_subscriptions_read_what_it_publishes) {
  auto d = herald::io::open_driver("io://pipe?format=ndjson");
  ASSERT_TRUE(d) << describe(d.error());
  auto s = subscribe(**d, "t");
  ASSERT_TRUE((*d)->publish(make_message("t", "looped")));
  auto got = fetch_until(*s, 1);
  ASSERT_EQ(got.messages.size(), 1u) << describe(got.end);
  EXPECT_EQ(got.messages[0].payload, "looped");
  EXPECT_TRUE(mentions(open_error("io://pipe/x"), "has a path"));
}
