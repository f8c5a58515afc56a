// The kafka provider across broker outages: the test hosts its own mock cluster (librdkafka's,
// the same the armada-kafka-mock program hosts) and takes every broker down and up again — the
// mock's restart — twice during a publish storm.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "armada/herald.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "publish_storm.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_storm::wait_until;

namespace {

/// A mock cluster of 3 brokers in this process.
class own_mock_cluster {
public:
  own_mock_cluster() {
    char err[256];
    auto* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_ != nullptr)
      cluster_ = rd_kafka_mock_cluster_new(rk_, 3);
  }
  ~own_mock_cluster() {
    if (cluster_ != nullptr)
      rd_kafka_mock_cluster_destroy(cluster_);
    if (rk_ != nullptr)
      rd_kafka_destroy(rk_);
  }
  bool ok() const { return cluster_ != nullptr; }
  std::string url() const { return std::string{"kafka://"} + rd_kafka_mock_cluster_bootstraps(cluster_); }
  void down() { rd_kafka_mock_broker_set_down(cluster_, -1); }
  void up() { rd_kafka_mock_broker_set_up(cluster_, -1); }

private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

} // namespace

TEST(kafka_restart, a_publish_storm_survives_two_broker_outages_and_nothing_acknowledged_is_lost) {
  own_mock_cluster cluster;
  ASSERT_TRUE(cluster.ok());
  auto rt = runtime::start(std::make_unique<config>());
  // A short message-timeout: publishes during an outage fail (and are retried by the test's
  // publishers) instead of waiting the outage out.
  auto opts = "?message-timeout=1500&timeout=3000&session-timeout=6000&heartbeat-interval=500&commit-interval=100"
              "&reconnect-backoff=50&reconnect-backoff-max=500";
  std::vector<herald::connection> conns;
  for (int i = 0; i < 4; ++i) {
    auto c = herald::kafka::connect(rt->system(), cluster.url() + opts);
    ASSERT_TRUE(c) << describe(c.error());
    conns.push_back(*c);
  }
  // Brokers down until the publishers notice (a publish fails), then up again: twice.
  EXPECT_EQ(testing_storm::run_restart_scenario(conns, [&](const testing_storm::publish_storm& storm) {
    auto failed_before = storm.failures();
    cluster.down();
    EXPECT_TRUE(wait_until([&] { return storm.failures() > failed_before; }, 20s));
    cluster.up();
  }), "");
  for (auto& c : conns)
    c.close();
}
