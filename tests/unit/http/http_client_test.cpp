// The HTTP client against a scripted server of the test's own on 127.0.0.1: connection reuse,
// retries on 5xx, timeouts, and errors that name the endpoint.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/http_client.hpp"
#include "armada/runtime/error.hpp"

using namespace std::chrono_literals;
using armada::describe;
namespace http = armada::herald::http;

namespace {

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
            in.erase(0, head + 4 + length);
            ++requests_;
            std::string out;
            {
              std::lock_guard g{mtx_};
              if (!replies_.empty()) {
                out = replies_.front();
                replies_.pop_front();
              }
            }
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
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

http::client_options options(std::uint16_t port) {
  http::client_options o;
  o.who = "test provider";
  o.port = port;
  o.hint = "is the test server running?";
  o.connect_timeout = 2s;
  o.request_timeout = 500ms;
  o.backoff_base = 5ms;
  return o;
}

} // namespace

TEST(http_client, reuses_one_connection_for_several_requests) {
  scripted_server server{{scripted_server::reply(200, "one"), scripted_server::reply(200, "two")}};
  http::client c{options(server.port())};
  auto a = c.call({});
  auto b = c.call({});
  ASSERT_TRUE(a) << describe(a.error());
  ASSERT_TRUE(b) << describe(b.error());
  EXPECT_EQ(a->body, "one");
  EXPECT_EQ(b->body, "two");
  EXPECT_EQ(server.connections(), 1);
}

TEST(http_client, retries_a_5xx_and_returns_the_answer_that_followed) {
  scripted_server server{{scripted_server::reply(503, "busy"), scripted_server::reply(500, "oops"),
                          scripted_server::reply(200, "fine")}};
  http::client c{options(server.port())};
  auto r = c.call({});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "fine");
  EXPECT_EQ(server.requests(), 3);
}

TEST(http_client, gives_up_after_max_attempts_and_returns_the_last_answer) {
  scripted_server server{{scripted_server::reply(500, "1"), scripted_server::reply(500, "2")}};
  auto o = options(server.port());
  o.max_attempts = 2;
  http::client c{o};
  auto r = c.call({});
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "2");
}

TEST(http_client, a_4xx_is_not_retried) {
  scripted_server server{{scripted_server::reply(400, "bad"), scripted_server::reply(200, "never")}};
  http::client c{options(server.port())};
  auto r = c.call({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(server.requests(), 1);
}

TEST(http_client, a_silent_server_is_a_timeout_naming_the_endpoint) {
  scripted_server server{{""}};
  auto o = options(server.port());
  o.max_attempts = 1;
  http::client c{o};
  auto r = c.call({});
  ASSERT_FALSE(r);
  EXPECT_EQ(armada::herald::code_of(r.error()), armada::herald::errc::timeout);
  EXPECT_NE(describe(r.error()).find("127.0.0.1:" + std::to_string(server.port()) + " (timed out)"), std::string::npos)
    << describe(r.error());
}

TEST(http_client, nothing_listening_is_a_transport_error_naming_the_endpoint_and_the_hint) {
  std::uint16_t port = 0;
  {
    scripted_server gone{{}};
    port = gone.port();
  }
  auto o = options(port);
  o.max_attempts = 2;
  http::client c{o};
  auto r = c.call({});
  ASSERT_FALSE(r);
  EXPECT_EQ(armada::herald::code_of(r.error()), armada::herald::errc::transport);
  auto text = describe(r.error());
  EXPECT_NE(text.find("test provider: cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos) << text;
  EXPECT_NE(text.find("is the test server running?"), std::string::npos) << text;
  EXPECT_NE(text.find("after 2 attempts"), std::string::npos) << text;
}
