// The kafka provider's URL and properties: checked up front, errors name the property and the fix.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;

namespace {

std::string error_of(const std::string& url) {
  auto d = herald::kafka::make_driver(url);
  EXPECT_FALSE(d) << url;
  return d ? std::string{} : describe(d.error());
}

herald::errc code_of(const std::string& url) {
  auto d = herald::kafka::make_driver(url);
  return d ? herald::errc::encode : herald::code_of(d.error());
}

} // namespace

TEST(kafka_url, a_wrong_scheme_is_an_error_showing_the_expected_form) {
  auto e = error_of("redis://127.0.0.1:9092");
  EXPECT_NE(e.find("scheme must be 'kafka'"), std::string::npos) << e;
  EXPECT_NE(e.find("kafka://127.0.0.1:9092"), std::string::npos) << e;
}

TEST(kafka_url, a_bad_port_in_the_bootstrap_list_is_named) {
  auto e = error_of("kafka://127.0.0.1:1,127.0.0.1:notaport");
  EXPECT_NE(e.find("port 'notaport'"), std::string::npos) << e;
  EXPECT_EQ(code_of("kafka://127.0.0.1:1,127.0.0.1:notaport"), herald::errc::config);
}

TEST(kafka_url, an_unknown_property_is_named_with_the_known_ones) {
  auto e = error_of("kafka://127.0.0.1:9092?lingre=5");
  EXPECT_NE(e.find("unknown property 'lingre'"), std::string::npos) << e;
  EXPECT_NE(e.find("linger"), std::string::npos) << e;
}

TEST(kafka_url, a_value_of_the_wrong_type_or_range_names_the_property) {
  EXPECT_NE(error_of("kafka://127.0.0.1:9092?idempotence=yes").find("'idempotence'"), std::string::npos);
  EXPECT_NE(error_of("kafka://127.0.0.1:9092?partitioner=roundrobin").find("'partitioner'"), std::string::npos);
  EXPECT_NE(error_of("kafka://127.0.0.1:9092?auto-offset-reset=middle").find("'auto-offset-reset'"),
            std::string::npos);
  auto e = error_of("kafka://127.0.0.1:9092?session-timeout=1000&heartbeat-interval=2000");
  EXPECT_NE(e.find("'heartbeat-interval'"), std::string::npos) << e;
}

TEST(kafka_url, a_librdkafka_property_is_passed_through_and_checked_by_librdkafka) {
  auto e = error_of("kafka://127.0.0.1:9092?rdkafka.no.such.property=1");
  EXPECT_NE(e.find("'rdkafka.no.such.property'"), std::string::npos) << e;
  e = error_of("kafka://127.0.0.1:9092?rdkafka.compression.codec=zip");
  EXPECT_NE(e.find("'rdkafka.compression.codec'"), std::string::npos) << e;
}

TEST(kafka_url, credentials_in_the_url_are_refused_with_the_property_to_use) {
  auto e = error_of("kafka://user:secret@127.0.0.1:9092");
  EXPECT_NE(e.find("rdkafka.sasl.password"), std::string::npos) << e;
}

TEST(kafka_url, an_unreachable_broker_is_a_transport_error_naming_it_and_the_fix) {
  // Port 1 on 127.0.0.1: nothing listens, the connection is refused at once.
  auto e = error_of("kafka://127.0.0.1:1?timeout=1000&reconnect-backoff=50&reconnect-backoff-max=100");
  EXPECT_NE(e.find("127.0.0.1:1"), std::string::npos) << e;
  EXPECT_NE(e.find("scripts/servers"), std::string::npos) << e;
  EXPECT_EQ(code_of("kafka://127.0.0.1:1?timeout=500"), herald::errc::transport);
}
