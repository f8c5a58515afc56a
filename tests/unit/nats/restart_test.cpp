// The jetstream provider across server restarts: the test starts a nats-server -js of its own
// with scripts/servers (its own state directory, file storage) and restarts it twice (same
// ports, same store) during a publish storm.

#include <filesystem>

#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "publish_storm.hpp"
#include "scripted_server.hpp"

using namespace armada;
using namespace std::chrono_literals;

TEST(jetstream_restart, a_publish_storm_survives_two_server_restarts_and_nothing_acknowledged_is_lost) {
  if (::system("command -v nats-server >/dev/null 2>&1") != 0 && !std::filesystem::exists("/usr/sbin/nats-server"))
    GTEST_SKIP() << "nats-server is not installed (run scripts/setup)";
  testing_support::scripted_server server{"nats"};
  ASSERT_TRUE(server.up()) << "scripts/servers up nats failed; see " << server.log();
  auto base = server.get("NATS_URL");
  auto url = "jetstream" + base.substr(base.find("://")) + "?max-reconnect=-1&reconnect-wait=100&timeout=2000";
  auto rt = runtime::start(std::make_unique<config>());
  std::vector<herald::connection> conns;
  for (int i = 0; i < 4; ++i) {
    auto c = herald::jetstream::connect(rt->system(), url);
    ASSERT_TRUE(c) << describe(c.error());
    conns.push_back(*c);
  }
  // nats-server restarts in ~50 ms: nats.c's reconnect usually hides it from the publishers
  // (a publish waits for the PubAck), so only the outcome is asserted.
  EXPECT_EQ(testing_storm::run_restart_scenario(conns, [&](const testing_storm::publish_storm&) {
    ASSERT_TRUE(server.restart()) << "scripts/servers restart nats failed; see " << server.log();
  }), "");
  for (auto& c : conns)
    c.close();
}
