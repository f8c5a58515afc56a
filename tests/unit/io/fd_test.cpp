// The fds underneath: a reader that went away (EPIPE, never SIGPIPE), full pipes and the write
// timeout, sockets, ping.

#include <csignal>

#include <sys/socket.h>

#include <gtest/gtest.h>

#include "support.hpp"

using namespace armada;
using namespace armada::io_test;
using herald::errc;

namespace {

// SIGPIPE's default action (terminate) for the scope of a test, whatever another library set.
class default_sigpipe {
public:
  default_sigpipe() { old_ = std::signal(SIGPIPE, SIG_DFL); }
  ~default_sigpipe() { std::signal(SIGPIPE, old_); }
  default_sigpipe(const default_sigpipe&) = delete;
  default_sigpipe& operator=(const default_sigpipe&) = delete;

private:
  void (*old_)(int) = SIG_DFL;
};

} // namespace

TEST(io_fd, publishing_to_a_pipe_whose_reader_has_gone_is_a_transport_error_and_the_process_lives) {
  default_sigpipe dfl;
  for (bool owned : {false, true}) {
    pipe_ends p;
    auto o = herald::io::options{};
    o.owns_fds = owned;
    auto d = driver_on(-1, p.write, o);
    if (owned)
      p.write = -1; // the driver closes it
    p.close_read();
    auto r = d->publish(make_message("t", "nobody listens"));
    ASSERT_FALSE(r);
    EXPECT_EQ(herald::code_of(r.error()), errc::transport);
    EXPECT_TRUE(mentions(r.error(), "has gone")) << describe(r.error());
    auto again = d->publish(make_message("t", "still nobody"));
    ASSERT_FALSE(again);
    EXPECT_EQ(herald::code_of(again.error()), errc::transport);
    auto ping = d->ping();
    ASSERT_FALSE(ping);
    EXPECT_TRUE(mentions(ping.error(), "has gone")) << describe(ping.error());
    d->close();
  }
}

TEST(io_fd, a_full_pipe_times_out_after_write_timeout_and_a_frame_cut_short_poisons_the_writer) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto o = herald::io::options{};
  o.owns_fds = true; // non-blocking: the timeout holds even mid-frame
  o.write_timeout = 200ms;
  auto d = driver_on(fds[0], fds[1], o);
  auto start = std::chrono::steady_clock::now();
  auto r = d->publish(make_message("t", std::string(std::size_t{1} << 20, 'x'))); // > pipe capacity
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), errc::timeout);
  EXPECT_TRUE(mentions(r.error(), "write-timeout")) << describe(r.error());
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  auto next = d->publish(make_message("t", "small"));
  ASSERT_FALSE(next);
  EXPECT_TRUE(mentions(next.error(), "cut short")) << describe(next.error());
}

TEST(io_fd, a_socketpair_carries_messages_both_ways_and_a_closed_peer_raises_no_sigpipe) {
  default_sigpipe dfl;
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto left = driver_on(sv[0], sv[0], with_format(herald::io::format::frames, "left"));
  auto right = driver_on(sv[1], sv[1], with_format(herald::io::format::frames, "right"));
  auto at_right = subscribe(*right, "ping");
  auto at_left = subscribe(*left, "pong");
  ASSERT_TRUE(left->publish(make_message("ping", "hello")));
  ASSERT_TRUE(right->publish(make_message("pong", "hello back")));
  EXPECT_EQ(fetch_until(*at_right, 1).messages.at(0).payload, "hello");
  EXPECT_EQ(fetch_until(*at_left, 1).messages.at(0).payload, "hello back");
  at_right.reset();
  right->close();
  ::close(sv[1]);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  caf::expected<herald::publish_receipt> r = left->publish(make_message("ping", "anyone?"));
  while (r && std::chrono::steady_clock::now() < deadline) // the first send may still succeed
    r = left->publish(make_message("ping", "anyone?"));
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), errc::transport);
  left->close();
  ::close(sv[0]);
}

TEST(io_fd, ping_checks_the_fds_and_reports_a_positive_duration) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  auto r = d->ping();
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_GT(r->count(), 0);
  d->close();
  auto closed = d->ping();
  ASSERT_FALSE(closed);
  EXPECT_EQ(herald::code_of(closed.error()), errc::closed);
}

TEST(io_fd, an_fd_that_is_not_open_is_refused_up_front) {
  auto d = herald::io::make_driver(987654, -1);
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), errc::config);
  EXPECT_TRUE(mentions(d.error(), "fd 987654 is not open")) << describe(d.error());
  auto none = herald::io::make_driver(-1, -1);
  ASSERT_FALSE(none);
  EXPECT_TRUE(mentions(none.error(), "needs a read fd, a write fd or both"))
      << describe(none.error());
}
