#pragma once

// Raw TCP clients for the tests of what a node's port survives: bytes that are neither BASP nor
// TLS, frame headers announcing gigabytes, half messages that never finish.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <random>
#include <string>

namespace armada::aegis::testing {

/// A plain TCP connection to 127.0.0.1:`port`, closed when it goes; `fd` is -1 when the
/// connection was refused.
struct raw_connection {
  explicit raw_connection(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~raw_connection() {
    if (fd >= 0)
      ::close(fd);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  void send(const void* data, std::size_t size) { (void) ::send(fd, data, size, MSG_NOSIGNAL); }
  void send(const std::string& bytes) { send(bytes.data(), bytes.size()); }

  /// Reads until the node closes the connection; false when it is still open after 5 s.
  bool closed_by_node() {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    }
    return n == 0 || errno == ECONNRESET;
  }

  int fd = -1;
};

/// `size` random bytes (a fixed seed: the same bytes every run) that start with a byte no BASP
/// frame and no TLS record starts with.
inline std::string garbage(std::size_t size) {
  std::mt19937 gen{20261127};
  std::string bytes(size, '\0');
  for (auto& b : bytes)
    b = static_cast<char>(gen() & 0xff);
  bytes[0] = '\x7f';
  return bytes;
}

/// A 32-byte BASP header (a client handshake) announcing a payload of 4 GiB - 1.
inline std::string huge_basp_header() {
  std::string h(32, '\0');
  h[0] = 1;
  for (int i = 4; i < 8; ++i)
    h[i] = '\xff';
  return h;
}

/// A TLS record header (handshake) announcing 64 KiB - 1, four times TLS's largest record.
inline std::string huge_tls_record() { return std::string{"\x16\x03\x01\xff\xff", 5}; }

} // namespace armada::aegis::testing
