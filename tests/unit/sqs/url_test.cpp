// The sqs provider's URL, properties and credentials, and what happens when nothing answers.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;

namespace {

std::string error_of(std::string_view url) {
  auto d = herald::sqs::make_driver(url);
  EXPECT_FALSE(d) << url;
  return d ? std::string{} : describe(d.error());
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

const std::string creds = "access-key-id=test&secret-access-key=TOPSECRET";

} // namespace

TEST(sqs_url, a_wrong_scheme_is_a_config_error_showing_the_expected_form) {
  auto d = herald::sqs::make_driver("https://127.0.0.1:4566");
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), herald::errc::config);
  EXPECT_NE(describe(d.error()).find("sqs://host:port"), std::string::npos) << describe(d.error());
}

TEST(sqs_url, an_unknown_property_is_an_error_naming_it_and_never_showing_the_secret) {
  auto text = error_of("sqs://127.0.0.1:4566?" + creds + "&visibilty-timeout=10");
  EXPECT_NE(text.find("visibilty-timeout"), std::string::npos) << text;
  EXPECT_EQ(text.find("TOPSECRET"), std::string::npos) << text;
}

TEST(sqs_url, a_property_out_of_range_is_an_error_naming_it) {
  EXPECT_NE(error_of("sqs://127.0.0.1:4566?" + creds + "&visibility-timeout=10").find("'visibility-timeout'"),
            std::string::npos);
  EXPECT_NE(error_of("sqs://127.0.0.1:4566?" + creds + "&max-attempts=0").find("'max-attempts'"), std::string::npos);
  EXPECT_NE(error_of("sqs://127.0.0.1:4566?" + creds + "&fifo=maybe").find("fifo"), std::string::npos);
}

TEST(sqs_url, missing_credentials_are_a_config_error_naming_both_ways_to_give_them) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  auto text = error_of("sqs://127.0.0.1:4566");
  EXPECT_NE(text.find("access-key-id"), std::string::npos) << text;
  EXPECT_NE(text.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << text;
}

TEST(sqs_url, every_property_is_documented) {
  for (auto& p : herald::sqs::property_specs())
    EXPECT_FALSE(p.description.empty()) << p.name;
}

TEST(sqs_url, an_unreachable_endpoint_is_a_transport_error_naming_it_and_the_fix) {
  auto port = std::to_string(free_port());
  auto d = herald::sqs::make_driver("sqs://127.0.0.1:" + port + "?" + creds + "&max-attempts=1");
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), herald::errc::transport);
  auto text = describe(d.error());
  EXPECT_NE(text.find("sqs provider: cannot connect to 127.0.0.1:" + port + " (connection refused)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("moto_server"), std::string::npos) << text;
  EXPECT_EQ(text.find("TOPSECRET"), std::string::npos) << text;
}

TEST(sqs_url, topics_become_valid_queue_names) {
  EXPECT_EQ(*herald::sqs::queue_name("", "orders.dead-letter", false), "orders-dead-letter");
  EXPECT_EQ(*herald::sqs::queue_name("shop_", "a/b c", true), "shop_a-b-c.fifo");
  auto long_one = herald::sqs::queue_name("", std::string(81, 'x'), false);
  ASSERT_FALSE(long_one);
  EXPECT_NE(describe(long_one.error()).find("1 to 80 characters"), std::string::npos);
}
