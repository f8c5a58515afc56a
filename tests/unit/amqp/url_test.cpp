// The amqp provider's URL and properties: checked up front, errors name the property and the fix.

#include <gtest/gtest.h>

#include "armada/herald/amqp.hpp"
#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;

namespace {

caf::error error_of(const std::string& url) {
  auto d = herald::amqp::make_driver(url);
  EXPECT_FALSE(d) << url;
  return d ? caf::error{} : d.error();
}

} // namespace

TEST(amqp_url, a_wrong_scheme_is_an_error_showing_the_expected_form) {
  auto e = describe(error_of("amqps://127.0.0.1:5671"));
  EXPECT_NE(e.find("scheme must be 'amqp'"), std::string::npos) << e;
  EXPECT_NE(e.find("amqp://user:password@127.0.0.1:5672/vhost"), std::string::npos) << e;
}

TEST(amqp_url, an_unknown_property_is_named_with_the_known_ones) {
  auto err = error_of("amqp://127.0.0.1:5672?prefech=10");
  EXPECT_EQ(herald::code_of(err), herald::errc::config);
  auto e = describe(err);
  EXPECT_NE(e.find("unknown property 'prefech'"), std::string::npos) << e;
  EXPECT_NE(e.find("default-group"), std::string::npos) << e;
}

TEST(amqp_url, a_value_of_the_wrong_type_or_range_names_the_property) {
  EXPECT_NE(describe(error_of("amqp://127.0.0.1:5672?declare=yes")).find("'declare'"), std::string::npos);
  EXPECT_NE(describe(error_of("amqp://127.0.0.1:5672?heartbeat=-1")).find("'heartbeat'"), std::string::npos);
  EXPECT_NE(describe(error_of("amqp://127.0.0.1:5672?timeout=0")).find("'timeout'"), std::string::npos);
}

TEST(amqp_url, a_bad_dead_letter_exchange_or_a_routing_key_without_one_names_the_property) {
  auto e = describe(error_of("amqp://127.0.0.1:5672?dead-letter-exchange=no%20spaces"));
  EXPECT_NE(e.find("'dead-letter-exchange'"), std::string::npos) << e;
  e = describe(error_of("amqp://127.0.0.1:5672?dead-letter-exchange=amq.direct"));
  EXPECT_NE(e.find("'dead-letter-exchange'"), std::string::npos) << e;
  EXPECT_NE(e.find("reserved"), std::string::npos) << e;
  e = describe(error_of("amqp://127.0.0.1:5672?dead-letter-routing-key=parked"));
  EXPECT_NE(e.find("'dead-letter-routing-key'"), std::string::npos) << e;
  EXPECT_NE(e.find("'dead-letter-exchange'"), std::string::npos) << e;
}

TEST(amqp_url, an_unreachable_server_is_a_transport_error_naming_it_and_the_fix_without_the_password) {
  auto err = error_of("amqp://guest:secret@127.0.0.1:1?connect-timeout=1000");
  EXPECT_EQ(herald::code_of(err), herald::errc::transport);
  auto e = describe(err);
  EXPECT_NE(e.find("127.0.0.1:1"), std::string::npos) << e;
  EXPECT_NE(e.find("scripts/servers"), std::string::npos) << e;
  EXPECT_EQ(e.find("secret"), std::string::npos) << e;
}
