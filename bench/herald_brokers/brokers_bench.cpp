// bench_herald_brokers: publish N, then consume N, at 16, 64 and 256 bytes, for the kafka,
// amqp, redis, nats and jetstream providers — through herald and through the raw client library
// in the same run — printing msgs/s and the ratio herald / raw. Needs the servers of
// `scripts/servers up` (KAFKA_URL, AMQP_URL, REDIS_URL, NATS_URL in build/servers.env); a
// provider whose server is missing is skipped, with the reason.
//
//   scripts/servers run -- build/bench/herald_brokers/bench_herald_brokers [--rounds=R] [N [SIZES [PROVIDERS]]]
//   (default 20000 16,64,256 kafka,amqp,redis,nats,jetstream, one round). With R rounds, each
//   round runs the raw client then herald on fresh topics; the medians and the median per-round
//   ratio with its range are printed.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "armada/herald.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/herald/nats.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "herald_run.hpp"
#include "raw_client.hpp"
#include "../support/start_runtime.hpp"

using namespace armada;
using bench::peak_rss_kib;
using bench::row;
using bench::run_herald;

int main(int argc, char** argv) {
  std::size_t rounds = 1;
  if (argc > 1 && std::string_view{argv[1]}.starts_with("--rounds=")) {
    rounds = std::max<std::size_t>(1, std::strtoul(argv[1] + 9, nullptr, 10));
    --argc;
    ++argv;
  }
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  auto sizes = bench::size_list(argc > 2 ? argv[2] : "16,64,256");
  std::string providers = argc > 3 ? argv[3] : "kafka,amqp,redis,nats,jetstream";
  std::string kafka_props = argc > 4 ? std::string{"&"} + argv[4] : std::string{}; // extra kafka properties
  std::set<std::string> chosen;
  for (std::string rest = providers; !rest.empty();) {
    auto comma = rest.find(',');
    chosen.insert(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  auto wanted = [&](const char* name) { return chosen.contains(name); };
  auto servers = testing::servers::load();
  auto rt = bench::start_runtime();
  if (rounds == 1)
    std::printf("N = %zu per run\n%-16s %6s %12s %12s %10s %10s\n", n, "client", "bytes", "publish/s", "consume/s",
                "pub x raw", "sub x raw");
  else
    std::printf("N = %zu per run, %zu rounds (medians; ratio: median of the rounds' ratios, range)\n"
                "%-16s %6s %12s %12s %18s %18s\n",
                n, rounds, "client", "bytes", "publish/s", "consume/s", "pub x raw", "sub x raw");
  auto run_id = uuid::random().to_string().substr(0, 8);
  auto& sys = rt->system();

  // One entry per provider: its server, the raw baseline, and herald's connection and topic.
  struct provider_run {
    const char* name;
    const char* server; // the servers.env key
    const char* raw_name;
    std::function<bench::figures(const std::string& url, std::size_t size)> raw;
    std::function<caf::expected<herald::connection>(const std::string& url, std::size_t size)> connect;
    std::function<std::string(std::size_t size)> topic;
    bool subscribed_first = false; // a broker that stores nothing: subscribe before publishing
  };
  auto tag = [&](const char* sep, std::size_t size) { return run_id + sep + std::to_string(size); };
  std::vector<provider_run> runs{
    {"kafka", "KAFKA_URL", "rdkafka",
     [&](const std::string& url, std::size_t size) {
       return bench::raw_kafka(url.substr(url.find("://") + 3), "bench-" + tag("-", size) + "-raw", n, size);
     },
     [&](const std::string& url, std::size_t) {
       return herald::kafka::connect(sys, url + "?session-timeout=6000&heartbeat-interval=500" + kafka_props);
     },
     [&](std::size_t size) { return "bench-" + tag("-", size); }},
    {"amqp", "AMQP_URL", "rabbitmq-c",
     [&](const std::string& url, std::size_t size) {
       auto u = herald::url::parse(url);
       return bench::raw_amqp(u->host, u->port, "bench." + tag(".", size) + ".raw", n, size);
     },
     [&](const std::string& url, std::size_t size) {
       return herald::amqp::connect(sys, url + "?default-group=bench&prefix=bench." + tag(".", size) + ".");
     },
     [](std::size_t) { return std::string{"bench"}; }},
    {"redis", "REDIS_URL", "hiredis",
     [&](const std::string& url, std::size_t size) {
       auto u = herald::url::parse(url);
       return bench::raw_redis(u->host, u->port, "bench:" + tag(":", size) + ":raw", n, size);
     },
     [&](const std::string& url, std::size_t size) {
       return herald::redis::connect(sys, url + "?prefix=bench:" + tag(":", size) + ":");
     },
     [](std::size_t) { return std::string{"bench"}; }},
    {"nats", "NATS_URL", "nats.c",
     [&](const std::string& url, std::size_t size) { return bench::raw_nats(url, "bench." + tag(".", size) + ".raw", n, size); },
     [&](const std::string& url, std::size_t size) {
       return herald::nats::connect(sys, url + "?subject-prefix=bench." + tag(".", size) + ".");
     },
     [](std::size_t) { return std::string{"herald"}; }, true},
    {"jetstream", "NATS_URL", "nats.c js",
     [&](const std::string& url, std::size_t size) {
       return bench::raw_jetstream(url, "BENCH_" + tag("_", size) + "_RAW", "bench." + tag(".", size) + ".raw", n, size);
     },
     [&](const std::string& url, std::size_t size) {
       return herald::jetstream::connect(sys, "jetstream" + url.substr(url.find("://")) + "?stream-prefix=BENCH_"
                                                + tag("_", size) + "_");
     },
     // A subject per run: a stream of an earlier run (the server keeps them) must not overlap.
     [&](std::size_t size) { return "bench" + tag("", size); }},
  };
  for (auto& p : runs) {
    if (!wanted(p.name))
      continue;
    auto url = servers.get(p.server);
    if (!url) {
      std::printf("%s: skipped (%s)\n", p.name, testing::servers::missing(p.server).c_str());
      continue;
    }
    for (std::size_t size : sizes) {
      std::vector<bench::figures> raws, heralds;
      for (std::size_t r = 0; r < rounds; ++r) {
        run_id = uuid::random().to_string().substr(0, 8); // fresh topics, streams and groups
        raws.push_back(p.raw(*url, size));
        auto conn = p.connect(*url, size);
        if (!conn) {
          std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
          return 1;
        }
        heralds.push_back(p.subscribed_first ? bench::run_herald_subscribed_first(*conn, p.topic(size), n, size)
                                             : run_herald(*conn, p.topic(size), n, size));
        conn->close();
      }
      auto name = "herald " + std::string{p.name};
      if (rounds == 1) {
        row(p.raw_name, size, raws[0], nullptr);
        row(name.c_str(), size, heralds[0], &raws[0]);
      } else {
        bench::median_rows(p.raw_name, name.c_str(), size, raws, heralds);
      }
    }
  }
  std::printf("targets: herald >= 0.8x raw; Watermill (16 CPUs) publish/consume msgs/s: Kafka 44 090 / 108 285, "
              "AMQP 2 702 / 13 192, JetStream 49 255 / 33 009, Redis 61 642 / 11 213\n");
  std::printf("peak RSS: %ld KiB\n", peak_rss_kib());
  return 0;
}
