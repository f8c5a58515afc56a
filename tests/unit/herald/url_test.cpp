#include <gtest/gtest.h>

#include "armada/herald/url.hpp"
#include "armada/herald/memory.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;
using namespace armada::herald;

TEST(herald_url, a_full_url_parses_into_its_parts_and_hides_the_password) {
  auto u = url::parse("amqp://user:secret@127.0.0.1:5672/orders?prefetch=10&durable=true");
  ASSERT_TRUE(u) << describe(u.error());
  EXPECT_EQ(u->scheme, "amqp");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 5672);
  EXPECT_EQ(u->path, "orders");
  EXPECT_EQ(u->query.at("prefetch"), "10");
  EXPECT_EQ(u->text.find("secret"), std::string::npos) << u->text;
}

TEST(herald_url, a_url_without_scheme_or_with_a_bad_port_is_an_error_showing_the_expected_form) {
  auto a = url::parse("127.0.0.1:6379");
  ASSERT_FALSE(a);
  EXPECT_NE(describe(a.error()).find("expected scheme://host:port"), std::string::npos);
  auto b = url::parse("redis://127.0.0.1:99999");
  ASSERT_FALSE(b);
  EXPECT_NE(describe(b.error()).find("port '99999'"), std::string::npos) << describe(b.error());
  auto c = url::parse("redis://127.0.0.1:6379?prefetch");
  ASSERT_FALSE(c);
  EXPECT_NE(describe(c.error()).find("property 'prefetch' has no value"), std::string::npos);
}

TEST(herald_properties, an_unknown_property_is_an_error_listing_the_known_ones) {
  auto rt = runtime::start(std::make_unique<config>());
  auto c = memory::connect(rt->system(), "memory://x?retension=5");
  ASSERT_FALSE(c);
  auto text = describe(c.error());
  EXPECT_NE(text.find("memory provider: unknown property 'retension'"), std::string::npos) << text;
  EXPECT_NE(text.find("known properties: retention"), std::string::npos) << text;
}

TEST(herald_properties, a_value_of_the_wrong_type_names_the_property_and_its_meaning) {
  auto rt = runtime::start(std::make_unique<config>());
  auto c = memory::connect(rt->system(), "memory://x?retention=lots");
  ASSERT_FALSE(c);
  EXPECT_NE(describe(c.error()).find("property 'retention' must be an integer, got 'lots'"),
            std::string::npos)
    << describe(c.error());
}

TEST(herald_properties, a_url_of_another_provider_is_refused_by_name) {
  auto rt = runtime::start(std::make_unique<config>());
  auto c = memory::connect(rt->system(), "kafka://127.0.0.1:9092");
  ASSERT_FALSE(c);
  EXPECT_NE(describe(c.error()).find("scheme must be 'memory'"), std::string::npos);
}
