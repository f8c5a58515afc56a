// The HTTP client against a scripted server of the test's own on 127.0.0.1: connection reuse,
// retries on 5xx, timeouts, and errors that name the endpoint.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/http_client.hpp"
#include "armada/runtime/error.hpp"
#include "scripted_server.hpp"

using namespace std::chrono_literals;
using armada::describe;
namespace http = armada::herald::http;
using armada::testing_http::scripted_server;

namespace {

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
