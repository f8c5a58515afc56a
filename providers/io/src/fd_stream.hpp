#pragma once

// The file descriptors of one io connection: a read end, a write end (either optional, maybe
// the same fd) and a self-pipe that wakes every blocking wait when the connection closes.
// Every wait is a poll(2) with a deadline, so no call blocks longer than asked (except a write
// to a borrowed blocking fd whose reader stops mid-frame: we never change a borrowed fd's flags).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace armada::herald::io::detail {

using steady_time = std::chrono::steady_clock::time_point;

class fd_stream {
public:
  enum class read_status { data, end_of_stream, timeout, woken, failed };

  struct read_result {
    read_status status;
    caf::error error{}; ///< for `failed`
  };

  struct write_result {
    caf::error error{};      ///< none: every byte was written
    std::size_t written = 0; ///< bytes written before an error
  };

  /// Checks the fds (open; at least one of them) and makes the wake pipe. With `owns`, the fds
  /// become non-blocking and `close_fds` closes them. Errors are `errc::config` and name `name`.
  static caf::expected<std::unique_ptr<fd_stream>> open(int read_fd, int write_fd, bool owns,
                                                        std::string name);

  ~fd_stream();
  fd_stream(const fd_stream&) = delete;
  fd_stream& operator=(const fd_stream&) = delete;

  bool can_read() const { return read_fd_ >= 0; }
  bool can_write() const { return write_fd_ >= 0; }
  const std::string& name() const { return name_; }

  /// Appends up to `cap` bytes read from the read end to `out`, waiting until `until` at most.
  /// Returns early with `woken` once `wake` was called. Any thread, one reader at a time.
  read_result read_some(std::string& out, std::size_t cap, steady_time until);

  /// Writes every byte of `bytes` (EINTR and partial writes handled), waiting until `until` at
  /// most for room. A reader that went away is `errc::transport` (SIGPIPE is blocked on the
  /// calling thread for the write, or MSG_NOSIGNAL on sockets). One writer at a time.
  write_result write_all(std::string_view bytes, steady_time until);

  /// Polls both ends without waiting: an fd that is no longer open, or a write end whose reader
  /// has gone, is `errc::transport`.
  caf::error check() const;

  /// Makes every current and future wait return at once. Idempotent, any thread.
  void wake();

  /// Closes owned fds. The caller guarantees that no read or write is in progress.
  void close_fds();

private:
  fd_stream(int read_fd, int write_fd, bool owns, std::string name, int wake_r, int wake_w);

  int read_fd_;
  int write_fd_;
  bool owns_;
  bool write_is_socket_ = false;
  std::string name_;
  int wake_r_;
  int wake_w_;
};

} // namespace armada::herald::io::detail
