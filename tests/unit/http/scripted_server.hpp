#pragma once

// A scripted HTTP/1.1 server of the test's own on 127.0.0.1 (a free port): each request gets
// the next scripted reply, so a test can play 5xx, throttling, malformed bodies or silence.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace armada::testing_http {

/// Answers each request with the next scripted reply ("" = never answer); counts connections.
class scripted_server {
public:
  explicit scripted_server(std::deque<std::string> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread{[this] { serve(); }};
  }
  ~scripted_server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  /// The head and body of the last request received.
  std::string last_request() {
    std::lock_guard g{mtx_};
    return last_;
  }

  static std::string reply(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size())
           + "\r\nConnection: keep-alive\r\n\r\n" + body;
  }

private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        return;
      ++connections_;
      std::string in;
      char buf[4096];
      while (!stop_) {
        auto head = in.find("\r\n\r\n");
        if (head != std::string::npos) {
          std::size_t length = 0;
          auto cl = in.find("Content-Length: ");
          if (cl != std::string::npos && cl < head)
            length = std::stoul(in.substr(cl + 16));
          if (in.size() >= head + 4 + length) {
            std::string out;
            {
              std::lock_guard g{mtx_};
              last_ = in.substr(0, head + 4 + length);
              if (!replies_.empty()) {
                out = replies_.front();
                replies_.pop_front();
              }
            }
            in.erase(0, head + 4 + length);
            ++requests_;
            if (!out.empty())
              (void)::write(c, out.data(), out.size());
            continue;
          }
        }
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0)
          break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      ::close(c);
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mtx_;
  std::deque<std::string> replies_;
  std::string last_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

} // namespace armada::testing_http
