// The amqp provider across server restarts: the test starts a rabbitmq-server of its own with
// scripts/servers (its own state directory and env file), and restarts it twice (same port,
// same data) during a publish storm.

#include <filesystem>

#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "publish_storm.hpp"
#include "scripted_server.hpp"

using namespace armada;
using namespace std::chrono_literals;

TEST(amqp_restart, a_publish_storm_survives_two_server_restarts_and_nothing_acknowledged_is_lost) {
  if (!std::filesystem::exists("/usr/lib/rabbitmq/bin/rabbitmq-server"))
    GTEST_SKIP() << "rabbitmq-server is not installed (run scripts/setup)";
  testing_support::scripted_server server{"amqp"};
  ASSERT_TRUE(server.up()) << "scripts/servers up amqp failed; see " << server.log();
  auto url = server.get("AMQP_URL") + "?connect-timeout=1000&timeout=5000";
  auto rt = runtime::start(std::make_unique<config>());
  std::vector<herald::connection> conns;
  for (int i = 0; i < 4; ++i) {
    auto c = herald::amqp::connect(rt->system(), url);
    ASSERT_TRUE(c) << describe(c.error());
    conns.push_back(*c);
  }
  EXPECT_EQ(testing_storm::run_restart_scenario(conns, [&](const testing_storm::publish_storm& storm) {
    auto failed_before = storm.failures();
    ASSERT_TRUE(server.restart()) << "scripts/servers restart amqp failed; see " << server.log();
    EXPECT_GT(storm.failures(), failed_before); // the publishers noticed the restart
  }), "");
  for (auto& c : conns)
    c.close();
}
