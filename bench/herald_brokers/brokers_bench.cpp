// bench_herald_brokers: publish N, then consume N, at 16, 64 and 256 bytes, for the kafka and
// amqp providers — through herald and through the raw client library in the same run — printing
// msgs/s and the ratio herald / raw. Needs the servers of `scripts/servers up kafka amqp`
// (KAFKA_URL, AMQP_URL in build/servers.env); a provider whose server is missing is skipped.
//
//   scripts/servers run -- build/bench/herald_brokers/bench_herald_brokers [N [SIZES [PROVIDERS]]]
//   (default 20000 16,64,256 kafka,amqp)

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "armada/herald.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "herald_run.hpp"
#include "raw_client.hpp"

using namespace armada;
using bench::peak_rss_kib;
using bench::row;
using bench::run_herald;

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  auto sizes = bench::size_list(argc > 2 ? argv[2] : "16,64,256");
  std::string providers = argc > 3 ? argv[3] : "kafka,amqp";
  std::string kafka_props = argc > 4 ? std::string{"&"} + argv[4] : std::string{}; // extra kafka properties
  auto servers = testing::servers::load();
  auto rt = runtime::start(std::make_unique<config>());
  std::printf("N = %zu per run\n%-16s %6s %12s %12s %10s %10s\n", n, "client", "bytes", "publish/s", "consume/s",
              "pub x raw", "sub x raw");
  auto run_id = uuid::random().to_string().substr(0, 8);
  if (auto url = servers.get("KAFKA_URL"); url && providers.find("kafka") != std::string::npos) {
    auto bootstrap = url->substr(url->find("://") + 3);
    for (std::size_t size : sizes) {
      auto topic = "bench-" + run_id + "-" + std::to_string(size);
      auto raw = bench::raw_kafka(bootstrap, topic + "-raw", n, size);
      auto conn = herald::kafka::connect(rt->system(), *url + "?session-timeout=6000&heartbeat-interval=500" + kafka_props);
      if (!conn) {
        std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
        return 1;
      }
      auto f = run_herald(*conn, topic, n, size);
      row("rdkafka", size, raw, nullptr);
      row("herald kafka", size, f, &raw);
      conn->close();
    }
  } else if (providers.find("kafka") != std::string::npos) {
    std::printf("kafka: skipped (%s)\n", testing::servers::missing("KAFKA_URL").c_str());
  }
  if (auto url = servers.get("AMQP_URL"); url && providers.find("amqp") != std::string::npos) {
    auto u = herald::url::parse(*url);
    for (std::size_t size : sizes) {
      auto prefix = "bench." + run_id + "." + std::to_string(size) + ".";
      auto raw = bench::raw_amqp(u->host, u->port, prefix + "raw", n, size);
      auto conn = herald::amqp::connect(rt->system(), *url + "?default-group=bench&prefix=" + prefix);
      if (!conn) {
        std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
        return 1;
      }
      auto f = run_herald(*conn, "bench", n, size);
      row("rabbitmq-c", size, raw, nullptr);
      row("herald amqp", size, f, &raw);
      conn->close();
    }
  } else if (providers.find("amqp") != std::string::npos) {
    std::printf("amqp: skipped (%s)\n", testing::servers::missing("AMQP_URL").c_str());
  }
  std::printf("targets: herald >= 0.8x raw; Watermill (16 CPUs) publish/consume msgs/s: Kafka 44 090 / 108 285, "
              "AMQP 2 702 / 13 192\n");
  std::printf("peak RSS: %ld KiB\n", peak_rss_kib());
  return 0;
}
