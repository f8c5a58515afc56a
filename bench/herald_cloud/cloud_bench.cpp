// bench_herald_cloud: publish N, then consume N, for the sqs, sns (read through its SQS queue),
// pubsub and firestore providers — through herald and through the same API calls made directly
// with Boost.Beast on one kept-alive connection, in the same run — printing msgs/s and the ratio
// herald / raw. Needs the servers of `scripts/servers up moto pubsub firestore` (SQS_URL,
// SNS_URL, PUBSUB_URL, FIRESTORE_URL in build/servers.env); a provider whose server is missing
// prints "skipped: <reason>". The emulators are slow (Python, Java): keep N modest. Each raw run
// follows a warm-up raw run of N/10 (a cold JVM emulator is slower at first).
//
//   scripts/servers run -- build/bench/herald_cloud/bench_herald_cloud [N [SIZES [PROVIDERS]]]
//   (default 2000 256 sqs,sns,pubsub,firestore)

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "armada/herald.hpp"
#include "armada/herald/firestore.hpp"
#include "armada/herald/pubsub.hpp"
#include "armada/herald/sns.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "herald_run.hpp"
#include "raw_cloud.hpp"
#include "../support/start_runtime.hpp"

using namespace armada;
using bench::figures;

namespace {

/// One provider of the run: its server's variable, the herald URL properties, the herald
/// connect, what must exist before publishing (a group's queue or subscription) and the raw run.
struct provider {
  const char* name;
  const char* variable;
  std::string properties;
  std::function<caf::expected<herald::connection>(caf::actor_system&, std::string_view)> connect;
  std::function<caf::error(const std::string& url, const std::string& topic)> prepare;
  std::function<figures(const herald::url& at, const std::string& name, std::size_t n, std::size_t size)> raw;
};

constexpr const char* aws_properties = "?access-key-id=test&secret-access-key=test&region=us-east-1";

bench::aws_endpoint aws_at(const herald::url& u) {
  return {u.host, u.port, "us-east-1"};
}

/// Creates the subscription of group `bench` (Pub/Sub delivers only what comes after it).
caf::error pubsub_group(const std::string& url, const std::string& topic) {
  auto d = herald::pubsub::make_driver(url);
  if (!d)
    return d.error();
  auto s = (*d)->subscribe(topic, {.group = "bench"});
  if (!s)
    return s.error();
  (*s)->close();
  (*d)->close();
  return caf::none;
}

std::vector<provider> providers() {
  return {
    {"sqs", "SQS_URL", aws_properties, herald::sqs::connect, [](auto&, auto&) { return caf::error{}; },
     [](const herald::url& u, const std::string& name, std::size_t n, std::size_t size) {
       return bench::raw_sqs(aws_at(u), name, n, size);
     }},
    {"sns", "SNS_URL", aws_properties, herald::sns::connect,
     [](const std::string& url, const std::string& topic) {
       auto arn = herald::sns::fan_out(url, topic, topic + "-bench"); // the queue of group bench
       return arn ? caf::error{} : arn.error();
     },
     [](const herald::url& u, const std::string& name, std::size_t n, std::size_t size) {
       auto url = "sns://" + u.host + ":" + std::to_string(u.port) + aws_properties;
       if (auto arn = herald::sns::fan_out(url, name, name + "-q"); !arn) { // wiring, not timed
         std::fprintf(stderr, "raw sns: %s\n", describe(arn.error()).c_str());
         std::exit(1);
       }
       return bench::raw_sns(aws_at(u), name, name + "-q", n, size);
     }},
    {"pubsub", "PUBSUB_URL", "?project=armada-bench", herald::pubsub::connect, pubsub_group,
     [](const herald::url& u, const std::string& name, std::size_t n, std::size_t size) {
       return bench::raw_pubsub(u.host, u.port, "armada-bench", name, n, size);
     }},
    {"firestore", "FIRESTORE_URL", "?project=armada-bench", herald::firestore::connect,
     [](auto&, auto&) { return caf::error{}; },
     [](const herald::url& u, const std::string& name, std::size_t n, std::size_t size) {
       return bench::raw_firestore(u.host, u.port, "armada-bench", name, n, size);
     }},
  };
}

} // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  auto sizes = bench::size_list(argc > 2 ? argv[2] : "256");
  std::string chosen = argc > 3 ? argv[3] : "sqs,sns,pubsub,firestore";
  auto servers = testing::servers::load();
  auto rt = bench::start_runtime();
  std::printf("N = %zu per run\n%-16s %6s %12s %12s %10s %10s\n", n, "client", "bytes", "publish/s", "consume/s",
              "pub x raw", "sub x raw");
  auto run_id = uuid::random().to_string().substr(0, 8);
  for (auto& p : providers()) {
    if (chosen.find(p.name) == std::string::npos)
      continue;
    auto base = servers.get(p.variable);
    if (!base) {
      auto unavailable = std::string{p.name == std::string{"sns"} ? "SQS" : p.name} + "_UNAVAILABLE";
      for (auto& c : unavailable)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::printf("%s: skipped: %s\n", p.name,
                  servers.get(unavailable).value_or(testing::servers::missing(p.variable)).c_str());
      continue;
    }
    auto u = herald::url::parse(*base);
    auto url = *base + p.properties;
    for (std::size_t size : sizes) {
      auto topic = "bench-" + run_id + "-" + p.name + "-" + std::to_string(size);
      (void)p.raw(*u, topic + "-warm", std::max<std::size_t>(n / 10, 10), size); // a cold emulator (JIT) is slower
      auto raw = p.raw(*u, topic + "-raw", n, size);
      if (auto err = p.prepare(url, topic)) {
        std::fprintf(stderr, "%s\n", describe(err).c_str());
        return 1;
      }
      auto conn = p.connect(rt->system(), url);
      if (!conn) {
        std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
        return 1;
      }
      auto f = bench::run_herald(*conn, topic, n, size, 1000, bench::consume_clock::subscribe_to_close);
      auto raw_name = std::string{"beast "} + p.name;
      auto herald_name = std::string{"herald "} + p.name;
      bench::row(raw_name.c_str(), size, raw, nullptr);
      bench::row(herald_name.c_str(), size, f, &raw);
      conn->close();
    }
  }
  std::printf("targets: herald >= 0.8x raw (the same API calls on one kept-alive Beast connection)\n");
  std::printf("peak RSS: %ld KiB\n", bench::peak_rss_kib());
  return 0;
}
