#include "armada/testing/process.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace armada::testing {

process::process(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0)
    return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  out_ = fds[0];
}

process::~process() {
  stop(SIGKILL);
  if (out_ >= 0)
    ::close(out_);
}

std::optional<std::string> process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || out_ < 0)
      return std::nullopt;
    pollfd p{out_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0)
      continue; // EINTR
    if (r == 0)
      return std::nullopt;
    char chunk[4096];
    auto n = ::read(out_, chunk, sizeof chunk);
    if (n <= 0) {
      ::close(out_);
      out_ = -1;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> process::wait_for_line(const std::string& prefix,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    auto line = read_line(left);
    if (!line)
      return std::nullopt;
    if (line->rfind(prefix, 0) == 0)
      return line;
  }
}

int process::wait_exit() {
  if (pid_ <= 0)
    return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool process::exited() {
  if (pid_ <= 0)
    return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_)
    return false;
  pid_ = -1;
  return true;
}

void process::signal(int sig) {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

bool process::pause() {
  if (pid_ <= 0)
    return false;
  ::kill(pid_, SIGSTOP);
  int status = 0;
  for (;;) {
    if (::waitpid(pid_, &status, WUNTRACED) == pid_) {
      if (WIFSTOPPED(status))
        return true;
      pid_ = -1; // ended (and now reaped)
      return false;
    }
    if (errno != EINTR)
      return false;
  }
}

int process::stop(int sig) {
  if (pid_ <= 0)
    return 0;
  ::kill(pid_, sig);
  if (sig != SIGKILL && sig != SIGCONT)
    ::kill(pid_, SIGCONT); // a stopped process must run to handle the signal
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

} // namespace armada::testing
