#pragma once

// Test support for the io provider: pipes, drivers on them, and fetches with a deadline.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/io.hpp"
#include "armada/runtime/error.hpp"

namespace armada::io_test {

using namespace std::chrono_literals;

/// Both ends of a pipe, closed at the end of the test unless released.
struct pipe_ends {
  int read = -1;
  int write = -1;

  pipe_ends() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) == 0) {
      read = p[0];
      write = p[1];
    }
  }
  ~pipe_ends() {
    close_read();
    close_write();
  }
  pipe_ends(const pipe_ends&) = delete;
  pipe_ends& operator=(const pipe_ends&) = delete;

  void close_read() {
    if (read >= 0)
      ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0)
      ::close(write);
    write = -1;
  }
  /// Writes raw bytes to the write end (blocking; the pipe must have room).
  void put(const std::string& bytes) const {
    ASSERT_EQ(::write(write, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  /// Every byte currently readable from the read end (the write end must be closed first).
  std::string drain() const {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(read, buf, sizeof buf)) > 0)
      out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

inline herald::io::options with_format(herald::io::format f, std::string name = "test pipe") {
  herald::io::options o;
  o.format = f;
  o.name = std::move(name);
  return o;
}

/// A driver on borrowed fds; fails the test when it cannot be made.
inline std::shared_ptr<herald::driver> driver_on(int read_fd, int write_fd,
                                                 herald::io::options o = {}) {
  auto d = herald::io::make_driver(read_fd, write_fd, std::move(o));
  EXPECT_TRUE(d) << describe(d.error());
  return d ? *d : nullptr;
}

inline std::unique_ptr<herald::subscription_driver> subscribe(herald::driver& d,
                                                              const std::string& topic) {
  auto s = d.subscribe(topic, {});
  EXPECT_TRUE(s) << describe(s.error());
  return s ? std::move(*s) : nullptr;
}

/// What a subscription delivered until it had `n` messages, the stream ended or failed, or
/// the deadline passed.
struct fetched {
  std::vector<herald::message> messages;
  caf::error end; ///< the error that ended the fetching (none: got `n` or the deadline passed)
};

inline fetched fetch_until(herald::subscription_driver& s, std::size_t n,
                           std::chrono::milliseconds timeout = 20s) {
  fetched out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.messages.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto batch = s.fetch(n - out.messages.size(), 100ms);
    if (!batch) {
      out.end = batch.error();
      break;
    }
    for (auto& m : *batch)
      out.messages.push_back(std::move(m));
  }
  return out;
}

/// Fetches until the stream ends (an error) or the deadline passes; acks everything.
inline fetched fetch_to_end(herald::subscription_driver& s,
                            std::chrono::milliseconds timeout = 20s) {
  fetched out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto batch = s.fetch(64, 100ms);
    if (!batch) {
      out.end = batch.error();
      break;
    }
    for (auto& m : *batch) {
      s.ack(m);
      out.messages.push_back(std::move(m));
    }
  }
  return out;
}

inline herald::message make_message(std::string topic, std::string payload, std::string key = {}) {
  herald::message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.key = std::move(key);
  return m;
}

inline bool mentions(const caf::error& err, const std::string& text) {
  return describe(err).find(text) != std::string::npos;
}

} // namespace armada::io_test
