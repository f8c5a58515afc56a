#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace armada::testing {

/// A child process for multi-process tests, its stdout on a pipe: lines are read with a
/// deadline, never by sleeping. Killed with SIGKILL and reaped when destroyed.
class process {
public:
  /// Starts `argv[0]` (a path) with `argv`; check `running()`.
  explicit process(const std::vector<std::string>& argv);
  ~process();
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  /// The next complete line of stdout, or nothing at `timeout` or at the end of output (a
  /// partial last line stays unreported).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  /// The first line starting with `prefix` (earlier lines are dropped), or nothing at `timeout`.
  std::optional<std::string> wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout);

  /// Sends `sig` without waiting (SIGSTOP, SIGCONT, SIGTERM …).
  void signal(int sig);

  /// Sends SIGSTOP and returns once the kernel reports the process stopped (kill() returns
  /// before every thread of the target has stopped); false if it ended instead. Resume it with
  /// `signal(SIGCONT)`.
  bool pause();

  /// Sends `sig`, then waits for the process to end (a stopped one is continued first so it
  /// can handle the signal); returns its wait status. Reaps once; later calls return 0.
  int stop(int sig);

  /// Sends `sig` and reaps the process (`stop` without the status).
  void kill(int sig) { (void) stop(sig); }

  /// Waits for the process to exit by itself; its exit code (-1 when killed or already reaped).
  int wait_exit();

  /// Whether the process has ended by itself (then it is reaped and `running()` is false).
  /// Never blocks.
  bool exited();

private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

} // namespace armada::testing
