#include "fd_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "armada/herald/errc.hpp"

namespace armada::herald::io::detail {

namespace {

std::string os_error(int err) {
  return std::string{std::strerror(err)} + " (errno " + std::to_string(err) + ")";
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

bool set_nonblocking(int fd) {
  auto flags = ::fcntl(fd, F_GETFL);
  return flags != -1 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != -1;
}

// Milliseconds until `until`, rounded up (poll must not return before the deadline).
int poll_timeout(steady_time until) {
  auto left = until - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero())
    return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<std::int64_t>(ms, INT_MAX));
}

// Blocks SIGPIPE on this thread for its lifetime; a SIGPIPE raised meanwhile by our own write is
// consumed before the old mask comes back, so it never reaches the process.
class sigpipe_guard {
public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_guard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

} // namespace

caf::expected<std::unique_ptr<fd_stream>> fd_stream::open(int read_fd, int write_fd, bool owns,
                                                          std::string name) {
  auto bad = [&](std::string why) {
    return make_error(errc::config, "io provider: " + name + ": " + why);
  };
  if (read_fd < 0 && write_fd < 0)
    return bad("needs a read fd, a write fd or both (got -1 for both)");
  for (int fd : {read_fd, write_fd})
    if (fd >= 0 && !is_open(fd))
      return bad("fd " + std::to_string(fd) + " is not open; pass an open file descriptor");
  if (owns)
    for (int fd : {read_fd, write_fd})
      if (fd >= 0 && !set_nonblocking(fd))
        return bad("cannot make fd " + std::to_string(fd) + " non-blocking: " + os_error(errno));
  int wake[2];
  if (::pipe(wake) != 0)
    return make_error(errc::transport,
                      "io provider: " + name + ": cannot create the wake pipe: " + os_error(errno));
  for (int fd : wake) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    set_nonblocking(fd);
  }
  std::unique_ptr<fd_stream> result{
      new fd_stream(read_fd, write_fd, owns, std::move(name), wake[0], wake[1])};
  struct stat st {};
  if (write_fd >= 0 && ::fstat(write_fd, &st) == 0)
    result->write_is_socket_ = S_ISSOCK(st.st_mode);
  return result;
}

fd_stream::fd_stream(int read_fd, int write_fd, bool owns, std::string name, int wake_r, int wake_w)
  : read_fd_(read_fd)
  , write_fd_(write_fd)
  , owns_(owns)
  , name_(std::move(name))
  , wake_r_(wake_r)
  , wake_w_(wake_w) {}

fd_stream::~fd_stream() {
  close_fds();
  ::close(wake_r_);
  ::close(wake_w_);
}

fd_stream::read_result fd_stream::read_some(std::string& out, std::size_t cap, steady_time until) {
  for (;;) {
    pollfd fds[2] = {{read_fd_, POLLIN, 0}, {wake_r_, POLLIN, 0}};
    auto n = ::poll(fds, 2, poll_timeout(until));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return {read_status::failed,
              make_error(errc::transport,
                         "io provider: " + name_ + ": poll failed: " + os_error(errno))};
    }
    if (fds[1].revents != 0)
      return {read_status::woken};
    if (n == 0)
      return {read_status::timeout};
    if ((fds[0].revents & POLLNVAL) != 0)
      return {read_status::failed,
              make_error(errc::transport, "io provider: " + name_ + ": fd " +
                                              std::to_string(read_fd_) +
                                              " was closed under the connection; keep borrowed fds "
                                              "open until the connection is closed")};
    auto old = out.size();
    out.resize(old + cap);
    auto got = ::read(read_fd_, out.data() + old, cap);
    if (got > 0) {
      out.resize(old + static_cast<std::size_t>(got));
      return {read_status::data};
    }
    out.resize(old);
    if (got == 0)
      return {read_status::end_of_stream};
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
      continue;
    return {read_status::failed, make_error(errc::transport, "io provider: cannot read " + name_ +
                                                                 ": " + os_error(errno))};
  }
}

fd_stream::write_result fd_stream::write_all(std::string_view bytes, steady_time until) {
  write_result result;
  sigpipe_guard guard;
  while (result.written < bytes.size()) {
    auto rest = bytes.substr(result.written);
    auto n = write_is_socket_ ? ::send(write_fd_, rest.data(), rest.size(), MSG_NOSIGNAL)
                              : ::write(write_fd_, rest.data(), rest.size());
    if (n >= 0) {
      result.written += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR)
      continue;
    if (errno == EPIPE || errno == ECONNRESET) {
      result.error = make_error(errc::transport, "io provider: the reader of " + name_ +
                                                     " has gone (" + os_error(errno) +
                                                     "); nothing more can be published on it");
      return result;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      result.error = make_error(errc::transport,
                                "io provider: cannot write to " + name_ + ": " + os_error(errno));
      return result;
    }
    // Full pipe or socket: wait for room, the deadline or close.
    pollfd fds[2] = {{write_fd_, POLLOUT, 0}, {wake_r_, POLLIN, 0}};
    auto ready = ::poll(fds, 2, poll_timeout(until));
    if (ready < 0 && errno == EINTR)
      continue;
    if (fds[1].revents != 0) {
      result.error = make_error(errc::closed, "io provider: the connection to " + name_ +
                                                  " was closed during a publish");
      return result;
    }
    if (ready == 0) {
      result.error = make_error(errc::timeout, "io provider: " + name_ +
                                                   " did not take the frame before write-timeout; "
                                                   "is the reader consuming? raise write-timeout");
      return result;
    }
  }
  return result;
}

caf::error fd_stream::check() const {
  pollfd fds[2] = {{read_fd_, 0, 0}, {write_fd_, POLLOUT, 0}};
  while (::poll(fds, 2, 0) < 0)
    if (errno != EINTR)
      return make_error(errc::transport,
                        "io provider: " + name_ + ": poll failed: " + os_error(errno));
  for (auto& p : fds)
    if ((p.revents & POLLNVAL) != 0)
      return make_error(errc::transport, "io provider: " + name_ + ": fd " + std::to_string(p.fd) +
                                             " is no longer open");
  if ((fds[1].revents & (POLLERR | POLLHUP)) != 0)
    return make_error(errc::transport, "io provider: the reader of " + name_ + " has gone");
  return caf::none;
}

void fd_stream::wake() {
  char one = 1;
  while (::write(wake_w_, &one, 1) < 0 && errno == EINTR) {
  }
}

void fd_stream::close_fds() {
  if (!owns_)
    return;
  if (read_fd_ >= 0)
    ::close(read_fd_);
  if (write_fd_ >= 0 && write_fd_ != read_fd_)
    ::close(write_fd_);
  read_fd_ = -1;
  write_fd_ = -1;
  owns_ = false;
}

} // namespace armada::herald::io::detail
