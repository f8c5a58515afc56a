// Two processes over a pipe: a child publishes N messages to its stdout with the io provider,
// this process subscribes on the pipe's read end and receives all N intact, then a clean end.

#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "pipe_payload.hpp"
#include "support.hpp"

extern char** environ;

using namespace armada;
using namespace armada::io_test;
using herald::errc;
using herald::io::format;

namespace {

// Spawns the publisher with its stdout on `out_fd`; returns its pid (or -1).
pid_t spawn_publisher(int out_fd, const std::string& fmt, int count) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  std::string program = ARMADA_IO_PIPE_PUBLISHER;
  std::string n = std::to_string(count);
  char* argv[] = {program.data(), const_cast<char*>(fmt.c_str()), n.data(), nullptr};
  pid_t pid = -1;
  auto rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

} // namespace

class io_two_processes : public ::testing::TestWithParam<format> {};

TEST_P(io_two_processes,
       a_child_publishes_to_its_stdout_and_the_parent_receives_every_message_intact) {
  constexpr int count = 200;
  auto fmt = GetParam() == format::frames ? std::string{"frames"} : std::string{"ndjson"};
  pipe_ends p;
  auto pid = spawn_publisher(p.write, fmt, count);
  ASSERT_GT(pid, 0) << "cannot spawn " << ARMADA_IO_PIPE_PUBLISHER;
  p.close_write(); // the child holds the only write end: its exit is our end of stream
  auto o = with_format(GetParam(), "child stdout");
  o.owns_fds = true;
  auto d = driver_on(p.read, -1, o);
  p.read = -1; // owned by the driver now
  auto s = subscribe(*d, "proc.events");
  auto got = fetch_to_end(*s, 60s);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "publisher status " << status;
  ASSERT_EQ(got.messages.size(), static_cast<std::size_t>(count)) << describe(got.end);
  EXPECT_EQ(herald::code_of(got.end), errc::closed);
  EXPECT_TRUE(mentions(got.end, "end of stream")) << describe(got.end);
  for (int i = 0; i < count; ++i) {
    auto& m = got.messages[static_cast<std::size_t>(i)];
    ASSERT_EQ(m.meta("index"), std::to_string(i)) << "out of order at " << i;
    EXPECT_EQ(m.payload, binary_payload(i)) << "payload of " << i;
    EXPECT_EQ(m.key, "k" + std::to_string(i % 3));
    EXPECT_EQ(m.meta("content-type"), "application/octet-stream");
    EXPECT_EQ(m.meta("x-note"), "line one\nline two");
    EXPECT_FALSE(m.id.empty());
    EXPECT_EQ(m.attempt, 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(formats, io_two_processes,
                         ::testing::Values(format::frames, format::ndjson), [](const auto& info) {
                           return info.param == format::frames ? "frames" : "ndjson";
                         });
