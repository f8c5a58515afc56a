// bench_herald_brokers: publish N, then consume N, at 16, 64 and 256 bytes, for the kafka and
// amqp providers — through herald and through the raw client library in the same run — printing
// msgs/s and the ratio herald / raw. Needs the servers of `scripts/servers up kafka amqp`
// (KAFKA_URL, AMQP_URL in build/servers.env); a provider whose server is missing is skipped.
//
//   scripts/servers run -- build/bench/herald_brokers/bench_herald_brokers [N [SIZES [PROVIDERS]]]
//   (default 20000 16,64,256 kafka,amqp)

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "armada/herald.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "raw_client.hpp"

using namespace armada;
using clk = std::chrono::steady_clock;
using bench::figures;

namespace {

long peak_rss_kib() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

double rate(std::size_t n, clk::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

// Publishes n messages in batches of 1000 (each batch returns when the broker acknowledged
// all of it), then consumes and acks them all; consume is timed from the first message.
figures run_herald(herald::connection& conn, const std::string& topic, std::size_t n, std::size_t size) {
  figures f;
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    std::vector<herald::message> batch;
    for (std::size_t j = 0; j < 1000 && i < n; ++j, ++i) {
      herald::message m;
      m.id = std::to_string(i);
      m.key = std::to_string(i % 16); // spread over the partitions (the mock keeps 5 MB per partition)
      m.topic = topic;
      m.payload = payload;
      batch.push_back(std::move(m));
    }
    if (auto r = conn.publish_batch(std::move(batch), std::chrono::seconds{120}); !r) {
      std::fprintf(stderr, "herald publish failed: %s\n", describe(r.error()).c_str());
      std::exit(1);
    }
  }
  f.publish = rate(n, clk::now() - start);
  std::atomic<std::size_t> got{0};
  std::mutex mtx;
  std::condition_variable cv;
  clk::time_point first{};
  auto sub = herald::subscribe(
    conn, topic,
    [&](const herald::message&, herald::completion done) {
      done(caf::none);
      auto k = got.fetch_add(1) + 1;
      std::lock_guard g{mtx};
      if (k == 1)
        first = clk::now();
      if (k == n)
        cv.notify_all();
    },
    herald::subscriber_options{.group = "bench", .prefetch = 1024}, false);
  if (!sub) {
    std::fprintf(stderr, "herald subscribe failed: %s\n", describe(sub.error()).c_str());
    std::exit(1);
  }
  {
    std::unique_lock lock{mtx};
    if (!cv.wait_for(lock, std::chrono::minutes{2}, [&] { return got.load() >= n; }))
      std::fprintf(stderr, "herald consume: only %zu of %zu messages within 2 minutes\n", got.load(), n);
    f.consume = rate(got.load(), clk::now() - first);
  }
  sub->close();
  return f;
}

void row(const char* name, std::size_t size, const figures& f, const figures* raw) {
  if (raw == nullptr)
    std::printf("%-12s %6zu %12.0f %12.0f %10s %10s\n", name, size, f.publish, f.consume, "1.00", "1.00");
  else
    std::printf("%-12s %6zu %12.0f %12.0f %10.2f %10.2f\n", name, size, f.publish, f.consume, f.publish / raw->publish,
                f.consume / raw->consume);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  std::vector<std::size_t> sizes;
  for (std::string list = argc > 2 ? argv[2] : "16,64,256"; !list.empty();) {
    auto comma = list.find(',');
    sizes.push_back(std::strtoul(list.substr(0, comma).c_str(), nullptr, 10));
    list = comma == std::string::npos ? "" : list.substr(comma + 1);
  }
  std::string providers = argc > 3 ? argv[3] : "kafka,amqp";
  std::string kafka_props = argc > 4 ? std::string{"&"} + argv[4] : std::string{}; // extra kafka properties
  auto servers = testing::servers::load();
  auto rt = runtime::start(std::make_unique<config>());
  std::printf("N = %zu per run\n%-12s %6s %12s %12s %10s %10s\n", n, "client", "bytes", "publish/s", "consume/s",
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
