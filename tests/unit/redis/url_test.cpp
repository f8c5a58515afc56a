// The redis provider's URL and properties, and what happens when no server answers.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime/error.hpp"
#include "redis_fixture.hpp"

using namespace armada;
using armada::testing_redis::free_port;

namespace {

std::string error_of(std::string_view url) {
  auto d = herald::redis::make_driver(url);
  EXPECT_FALSE(d) << url;
  return d ? std::string{} : describe(d.error());
}

} // namespace

TEST(redis_url, a_wrong_scheme_is_a_config_error_showing_the_expected_form) {
  auto d = herald::redis::make_driver("rediss://127.0.0.1:6379");
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), herald::errc::config);
  EXPECT_NE(describe(d.error()).find("redis://[user:password@]host[:port][/db]"), std::string::npos)
    << describe(d.error());
}

TEST(redis_url, an_unknown_property_is_an_error_naming_it_and_the_known_ones) {
  auto text = error_of("redis://127.0.0.1:6379?maxlenn=10");
  EXPECT_NE(text.find("unknown property 'maxlenn'"), std::string::npos) << text;
  EXPECT_NE(text.find("claim-idle"), std::string::npos) << text;
}

TEST(redis_url, a_property_of_the_wrong_type_or_range_is_an_error_naming_it) {
  EXPECT_NE(error_of("redis://127.0.0.1:6379?claim-idle=soon").find("'claim-idle'"), std::string::npos);
  EXPECT_NE(error_of("redis://127.0.0.1:6379?claim-idle=0").find("'claim-idle'"), std::string::npos);
  EXPECT_NE(error_of("redis://127.0.0.1:6379?maxlen=-1").find("'maxlen'"), std::string::npos);
  EXPECT_NE(error_of("redis://127.0.0.1:6379?new-group-start=middle").find("'new-group-start'"), std::string::npos);
}

TEST(redis_url, a_path_that_is_not_a_database_number_is_an_error) {
  EXPECT_NE(error_of("redis://127.0.0.1:6379/orders").find("database number"), std::string::npos);
}

TEST(redis_url, every_property_is_documented_with_a_default) {
  for (auto& p : herald::redis::property_specs()) {
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_FALSE(p.default_value.empty()) << p.name;
  }
}

TEST(redis_url, an_unreachable_port_is_a_transport_error_naming_the_address_and_the_fix) {
  auto port = std::to_string(free_port());
  auto d = herald::redis::make_driver("redis://127.0.0.1:" + port + "?connect-timeout=2000");
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), herald::errc::transport);
  auto text = describe(d.error());
  EXPECT_NE(text.find("redis provider: cannot connect to 127.0.0.1:" + port + " (connection refused)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("is redis-server running? see scripts/servers"), std::string::npos) << text;
}

TEST(redis_url, a_password_never_appears_in_an_error) {
  auto port = std::to_string(free_port());
  auto refused = error_of("redis://app:s3cret@127.0.0.1:" + port);
  EXPECT_EQ(refused.find("s3cret"), std::string::npos) << refused;
  auto malformed = error_of("redis://app:s3cret@127.0.0.1:notaport");
  EXPECT_EQ(malformed.find("s3cret"), std::string::npos) << malformed;
  EXPECT_NE(malformed.find("notaport"), std::string::npos) << malformed;
}
