#include "provider_under_test.hpp"

#include <filesystem>
#include <unistd.h>

#include "armada/herald/amqp.hpp"
#include "armada/herald/embedded.hpp"
#include "armada/herald/firestore.hpp"
#include "armada/herald/io.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/herald/memory.hpp"
#include "armada/herald/nats.hpp"
#include "armada/herald/pubsub.hpp"
#include "armada/herald/redis.hpp"
#include "armada/herald/sns.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/testing/servers.hpp"

namespace armada::conformance {

namespace {

/// Unavailable unless scripts/servers wrote `variable` (then the tests skip with the reason).
std::function<std::string()> needs_server(const std::string& variable) {
  return [variable] {
    return testing::servers::load().get(variable) ? std::string{} : testing::servers::missing(variable);
  };
}

/// Unavailable unless scripts/servers started moto_server (the reason it gave, when it could not).
std::function<std::string()> needs_moto() {
  return [] {
    auto env = testing::servers::load();
    if (env.get("SQS_URL"))
      return std::string{};
    return env.get("SQS_UNAVAILABLE").value_or(testing::servers::missing("SQS_URL"));
  };
}

/// The moto endpoint of `variable` with test credentials (moto accepts any).
std::string moto_url(const std::string& variable) {
  auto base = testing::servers::load().get(variable).value_or("sqs://127.0.0.1:4566");
  return base + "?access-key-id=test&secret-access-key=test&region=us-east-1";
}

} // namespace

std::vector<provider_under_test> providers_under_test() {
  std::vector<provider_under_test> result;
  {
    provider_under_test p;
    p.name = "memory";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.new_subscriber_receives_old = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.connect = [](caf::actor_system& sys, const std::string& scope) {
      return herald::memory::connect(sys, "memory://" + scope);
    };
    result.push_back(std::move(p));
  }
  {
    // One stream, no broker: a fresh pipe per test, read back by the same connection. No
    // consumer groups (subscriptions to a topic share it), nothing persistent, and only what
    // is read after subscribing is promised; ack / nack(delay) are local to this process.
    provider_under_test p;
    p.name = "io";
    p.features.guaranteed_order = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.connect = [](caf::actor_system& sys, const std::string&) {
      return herald::io::connect(sys, "io://pipe");
    };
    result.push_back(std::move(p));
  }
  {
    provider_under_test p;
    p.name = "embedded";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.persistent = true;
    p.features.new_subscriber_receives_old = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.connect = [](caf::actor_system& sys, const std::string& scope) {
      // A fresh file per test, in a directory removed when this process exits.
      struct scratch {
        std::filesystem::path dir = std::filesystem::temp_directory_path()
                                    / ("armada-conformance-embedded-" + std::to_string(::getpid()));
        scratch() { std::filesystem::create_directories(dir); }
        ~scratch() {
          std::error_code ec;
          std::filesystem::remove_all(dir, ec);
        }
      };
      static scratch files;
      return herald::embedded::connect(sys, "embedded://" + (files.dir / (scope + ".mdb")).string());
    };
    result.push_back(std::move(p));
  }
  {
    // Redis Streams on the server of `scripts/servers up redis`; a key prefix per test isolates
    // it. claim-idle is short so a closed or nacked subscriber's entries come back quickly.
    provider_under_test p;
    p.name = "redis";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.persistent = true;
    p.features.new_subscriber_receives_old = true;
    p.features.restartable_server = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = needs_server("REDIS_URL");
    p.connect = [](caf::actor_system& sys, const std::string& scope) {
      auto base = testing::servers::load().get("REDIS_URL").value_or("redis://127.0.0.1:6379");
      return herald::redis::connect(sys, base + "?prefix=conformance:" + scope + ":&claim-idle=5000&claim-interval=100");
    };
    result.push_back(std::move(p));
  }
  {
    // Core NATS on the server of `scripts/servers up nats`; topics carry the test's scope. Queue
    // groups are consumer groups; nothing is stored, so a subscriber sees only what is published
    // while it is subscribed, and ack / nack(delay) are local to the subscription.
    provider_under_test p;
    p.name = "nats";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.nack_delay = true;
    p.unavailable = needs_server("NATS_URL");
    p.connect = [](caf::actor_system& sys, const std::string&) {
      return herald::nats::connect(sys, testing::servers::load().get("NATS_URL").value_or("nats://127.0.0.1:4222"));
    };
    result.push_back(std::move(p));
  }
  {
    // JetStream on the same server: one file stream per topic (named from the test's scope),
    // one durable pull consumer per group.
    provider_under_test p;
    p.name = "jetstream";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.persistent = true;
    p.features.new_subscriber_receives_old = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = needs_server("NATS_URL");
    p.connect = [](caf::actor_system& sys, const std::string&) {
      auto base = testing::servers::load().get("NATS_URL").value_or("nats://127.0.0.1:4222");
      return herald::jetstream::connect(sys, "jetstream" + base.substr(base.find("://")) + "?stream-prefix=CONFORMANCE_&ack-wait=2000");
    };
    result.push_back(std::move(p));
  }
  {
    // Kafka on librdkafka's mock cluster (`scripts/servers up kafka`): topics carry the test's
    // scope, one consumer per subscription in its group. The mock waits 3 s before a new group's
    // first join and session-timeout − 1 s before a group whose members all left rejoins, hence
    // the short session timeout.
    provider_under_test p;
    p.name = "kafka";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.persistent = true;
    p.features.new_subscriber_receives_old = true;
    p.features.restartable_server = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = needs_server("KAFKA_URL");
    p.connect = [](caf::actor_system& sys, const std::string&) {
      auto base = testing::servers::load().get("KAFKA_URL").value_or("kafka://127.0.0.1:9092");
      return herald::kafka::connect(sys, base + "?session-timeout=6000&heartbeat-interval=500&commit-interval=200");
    };
    result.push_back(std::move(p));
  }
  {
    // SQS on the moto_server of `scripts/servers up moto`; every topic carries the test's scope,
    // so its queues are fresh. No consumer groups (subscriptions of a queue compete); standard
    // queues keep no order. moto keeps queues in memory: not restartable. (FIFO queues are tested
    // in unit_sqs: a FIFO queue holds back a key's later messages while one is in flight, so
    // "five unacked messages of one key" cannot hold there.)
    provider_under_test p;
    p.name = "sqs";
    p.features.persistent = true;
    p.features.new_subscriber_receives_old = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = needs_moto();
    p.connect = [](caf::actor_system& sys, const std::string&) {
      return herald::sqs::connect(sys, moto_url("SQS_URL") + "&visibility-timeout=5000");
    };
    result.push_back(std::move(p));
  }
  {
    // SNS on the same moto_server, read through SQS: one queue per topic and group, wired to the
    // topic, so groups each get every message. A new group's queue exists only from its first
    // subscription: it does not see older messages.
    provider_under_test p;
    p.name = "sns";
    p.features.consumer_groups = true;
    p.features.persistent = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = needs_moto();
    p.connect = [](caf::actor_system& sys, const std::string&) {
      return herald::sns::connect(sys, moto_url("SNS_URL") + "&visibility-timeout=5000");
    };
    result.push_back(std::move(p));
  }
  {
    // RabbitMQ (`scripts/servers up amqp`): a prefix per test isolates exchanges and queues. A
    // group's queue exists from its first subscription (or the publisher's first publish, for
    // the default group): a new group does not see older messages.
    provider_under_test p;
    p.name = "amqp";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.persistent = true;
    p.features.restartable_server = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = needs_server("AMQP_URL");
    p.connect = [](caf::actor_system& sys, const std::string& scope) {
      auto base = testing::servers::load().get("AMQP_URL").value_or("amqp://127.0.0.1:5672");
      return herald::amqp::connect(sys, base + "?prefix=conformance." + scope + ".");
    };
    result.push_back(std::move(p));
  }
  {
    // Google Pub/Sub on the emulator of `scripts/servers up pubsub`: a subscription per topic and
    // group, so groups each get every message; a new group's subscription receives only what is
    // published after it was created.
    provider_under_test p;
    p.name = "pubsub";
    p.features.consumer_groups = true;
    p.features.persistent = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = [] {
      auto env = testing::servers::load();
      if (env.get("PUBSUB_URL"))
        return std::string{};
      return env.get("PUBSUB_UNAVAILABLE").value_or(testing::servers::missing("PUBSUB_URL"));
    };
    p.connect = [](caf::actor_system& sys, const std::string&) {
      auto base = testing::servers::load().get("PUBSUB_URL").value_or("pubsub://127.0.0.1:8085");
      return herald::pubsub::connect(sys, base + "?project=armada-conformance");
    };
    result.push_back(std::move(p));
  }
  {
    // Firestore on the emulator of `scripts/servers up firestore`: documents leased with
    // compare-and-set commits; every subscription of a topic competes (no consumer groups); a
    // short lease so a message whose holder vanished comes back soon.
    provider_under_test p;
    p.name = "firestore";
    p.features.persistent = true;
    p.features.new_subscriber_receives_old = true;
    p.features.nack_delay = true;
    p.features.retains_messages = true;
    p.unavailable = [] {
      auto env = testing::servers::load();
      if (env.get("FIRESTORE_URL"))
        return std::string{};
      return env.get("FIRESTORE_UNAVAILABLE").value_or(testing::servers::missing("FIRESTORE_URL"));
    };
    p.connect = [](caf::actor_system& sys, const std::string&) {
      auto base = testing::servers::load().get("FIRESTORE_URL").value_or("firestore://127.0.0.1:8080");
      return herald::firestore::connect(sys, base + "?project=armada-conformance&lease=5000");
    };
    result.push_back(std::move(p));
  }
  return result;
}

} // namespace armada::conformance
