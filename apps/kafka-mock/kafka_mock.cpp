// armada-kafka-mock: hosts librdkafka's mock Kafka cluster for tests and local runs.
//
//   armada-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints the bootstrap list ("127.0.0.1:P1,127.0.0.1:P2,…") as the first line on stdout, then
// runs until SIGINT or SIGTERM. SIGUSR1 takes every broker down (connections dropped, new ones
// refused), SIGUSR2 brings them back: the "restart" of a mock cluster, whose data stays. Topics
// not created with --topic are created on first use with 4 partitions (the mock's default).
// The mock listens on 127.0.0.1 only.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace {

int usage(const char* why) {
  std::fprintf(stderr, "armada-kafka-mock: %s\nusage: armada-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n",
               why);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  struct topic_spec {
    std::string name;
    int partitions;
  };
  std::vector<topic_spec> topics;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
      if (brokers < 1 || brokers > 16)
        return usage("--brokers must be 1..16");
    } else if (arg == "--topic" && i + 1 < argc) {
      std::string spec{argv[++i]};
      auto colon = spec.rfind(':');
      if (colon == std::string::npos || colon == 0)
        return usage("--topic takes NAME:PARTITIONS");
      int n = std::atoi(spec.c_str() + colon + 1);
      if (n < 1)
        return usage("--topic NAME:PARTITIONS needs PARTITIONS >= 1");
      topics.push_back({spec.substr(0, colon), n});
    } else {
      return usage(("unknown argument '" + std::string{arg} + "'").c_str());
    }
  }
  // Block the signals before librdkafka starts its threads, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2})
    sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "armada-kafka-mock: %s\n", err);
    return 1;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "armada-kafka-mock: cannot make the librdkafka handle: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    std::fprintf(stderr, "armada-kafka-mock: cannot start the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  for (auto& t : topics)
    if (auto e = rd_kafka_mock_topic_create(cluster, t.name.c_str(), t.partitions, 1); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "armada-kafka-mock: cannot create topic '%s': %s\n", t.name.c_str(), rd_kafka_err2str(e));
      return 1;
    }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);

  int rc = 0;
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) {
      rc = 1;
      break;
    }
    if (sig == SIGUSR1) {
      rd_kafka_mock_broker_set_down(cluster, -1);
      std::fprintf(stderr, "armada-kafka-mock: brokers down\n");
    } else if (sig == SIGUSR2) {
      rd_kafka_mock_broker_set_up(cluster, -1);
      std::fprintf(stderr, "armada-kafka-mock: brokers up\n");
    } else {
      break;
    }
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return rc;
}
