// Bad URLs, bad properties and an unreachable port: each an error that names the problem and the fix.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/herald/nats.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string config_error(caf::expected<std::shared_ptr<herald::driver>> drv) {
  if (drv)
    return "(no error)";
  EXPECT_EQ(herald::code_of(drv.error()), herald::errc::config) << describe(drv.error());
  return describe(drv.error());
}

} // namespace

TEST(nats_url, an_unknown_property_is_an_error_that_names_it_and_lists_the_known_ones) {
  auto err = config_error(herald::nats::make_driver("nats://127.0.0.1:4222?timeuot=10"));
  EXPECT_TRUE(contains(err, "'timeuot'")) << err;
  EXPECT_TRUE(contains(err, "reconnect-wait")) << err;
  err = config_error(herald::jetstream::make_driver("jetstream://127.0.0.1:4222?stream=X"));
  EXPECT_TRUE(contains(err, "'stream'")) << err;
  EXPECT_TRUE(contains(err, "stream-prefix")) << err;
}

TEST(nats_url, a_property_of_the_wrong_type_or_range_is_an_error_that_names_it) {
  auto err = config_error(herald::nats::make_driver("nats://127.0.0.1:4222?timeout=soon"));
  EXPECT_TRUE(contains(err, "'timeout'")) << err;
  err = config_error(herald::jetstream::make_driver("jetstream://127.0.0.1:4222?storage=tape"));
  EXPECT_TRUE(contains(err, "'storage'") && contains(err, "file")) << err;
  err = config_error(herald::jetstream::make_driver("jetstream://127.0.0.1:4222?max-deliver=0"));
  EXPECT_TRUE(contains(err, "'max-deliver'")) << err;
  err = config_error(herald::jetstream::make_driver("jetstream://127.0.0.1:4222?max-ack-pending=0"));
  EXPECT_TRUE(contains(err, "'max-ack-pending'")) << err;
  err = config_error(herald::jetstream::make_driver("jetstream://127.0.0.1:4222?replicas=0"));
  EXPECT_TRUE(contains(err, "'replicas'")) << err;
  err = config_error(herald::jetstream::make_driver("jetstream://127.0.0.1:4222?stream-prefix=a.b"));
  EXPECT_TRUE(contains(err, "'stream-prefix'")) << err;
}

TEST(nats_url, a_wrong_scheme_or_a_path_is_an_error_that_shows_the_expected_form) {
  auto err = config_error(herald::nats::make_driver("jetstream://127.0.0.1:4222"));
  EXPECT_TRUE(contains(err, "nats://127.0.0.1:4222")) << err;
  err = config_error(herald::jetstream::make_driver("nats://127.0.0.1:4222"));
  EXPECT_TRUE(contains(err, "jetstream://127.0.0.1:4222")) << err;
  err = config_error(herald::nats::make_driver("nats://127.0.0.1:4222/orders"));
  EXPECT_TRUE(contains(err, "path")) << err;
}

TEST(nats_url, an_unreachable_port_is_a_transport_error_that_names_the_server_and_the_fix) {
  for (auto drv : {herald::nats::make_driver("nats://127.0.0.1:9?connect-timeout=500"),
                   herald::jetstream::make_driver("jetstream://127.0.0.1:9?connect-timeout=500")}) {
    ASSERT_FALSE(drv);
    auto err = describe(drv.error());
    EXPECT_EQ(herald::code_of(drv.error()), herald::errc::transport) << err;
    EXPECT_TRUE(contains(err, "cannot connect to 127.0.0.1:9")) << err;
    EXPECT_TRUE(contains(err, "is nats-server running? see scripts/servers")) << err;
  }
}
