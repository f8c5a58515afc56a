// The chaos program (issue 10): services exchanging events over the embedded provider, redis,
// nats/jetstream and amqp, with sagas running, while brokers restart and services are SIGKILLed
// at random; and `armada-mesh node` processes SIGKILLed and paused. Then it checks that nothing
// acknowledged was lost, that no saga is unfinished, that no compensation ran twice, and that
// membership converged; prints the report and exits 1 when a check failed. See docs/chaos.md.
//
//   armada_chaos [--duration 90s] [--nodes 4] [--longest-pause 1.5s]
//                [--providers embedded,redis,jetstream,amqp] [--seed N] [--work DIR]

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "armada/runtime/uuid.hpp"
#include "lane.hpp"
#include "mesh_chaos.hpp"
#include "report.hpp"
#include "service.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

struct options {
  std::chrono::milliseconds duration = 90s;
  int nodes = 4;
  /// Longest SIGSTOP of a mesh node. Well below the nodes' dead-after (5 s) by default: a node
  /// paused beyond it is declared dead, and the mesh does not always converge again (see
  /// docs/chaos.md, "Known failures").
  std::chrono::milliseconds longest_pause = 1500ms;
  std::vector<std::string> providers{"embedded", "redis", "jetstream", "amqp"};
  unsigned seed = std::random_device{}();
  std::string work;
};

/// "90s", "2m", "500ms" or a number of seconds.
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t used = 0;
  auto n = std::stod(text, &used);
  auto unit = text.substr(used);
  if (unit == "ms")
    return std::chrono::milliseconds{static_cast<long>(n)};
  if (unit == "m")
    return std::chrono::milliseconds{static_cast<long>(n * 60000)};
  if (unit.empty() || unit == "s")
    return std::chrono::milliseconds{static_cast<long>(n * 1000)};
  throw std::invalid_argument{"--duration '" + text + "': use e.g. 90s, 2m or 500ms"};
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      throw std::invalid_argument{flag + " needs a value"};
    std::string value = argv[++i];
    if (flag == "--duration")
      o.duration = parse_duration(value);
    else if (flag == "--longest-pause")
      o.longest_pause = parse_duration(value);
    else if (flag == "--nodes")
      o.nodes = std::stoi(value);
    else if (flag == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(value));
    else if (flag == "--work")
      o.work = value;
    else if (flag == "--providers") {
      o.providers.clear();
      std::stringstream list{value};
      for (std::string p; std::getline(list, p, ',');)
        o.providers.push_back(p);
    } else
      throw std::invalid_argument{
          "unknown option " + flag +
          "; use --duration, --nodes, --longest-pause, --providers, --seed or --work"};
  }
  return o;
}

/// Stops the chaos threads: `pause` waits a random while unless the chaos ended.
class chaos_clock {
public:
  explicit chaos_clock(std::chrono::milliseconds duration)
    : end_(std::chrono::steady_clock::now() + duration) {}

  /// Waits up to `d` (the pacing between faults); false once the chaos is over.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock{mtx_};
    cv_.wait_until(lock, std::min(std::chrono::steady_clock::now() + d, end_),
                   [&] { return stopped_; });
    return !stopped_ && std::chrono::steady_clock::now() < end_;
  }
  /// Ends the chaos early (a fault that failed).
  void stop() {
    std::lock_guard lock{mtx_};
    stopped_ = true;
    cv_.notify_all();
  }

private:
  std::chrono::steady_clock::time_point end_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

std::chrono::milliseconds between(std::mt19937& rng, int lo_ms, int hi_ms) {
  return std::chrono::milliseconds{std::uniform_int_distribution<int>{lo_ms, hi_ms}(rng)};
}

int run_chaos(const options& o, const std::string& self) {
  auto started = std::chrono::steady_clock::now();
  auto work = o.work.empty() ? (std::filesystem::temp_directory_path() /
                                ("armada-chaos-" + uuid::random().to_string().substr(0, 8)))
                                   .string()
                             : o.work;
  std::filesystem::create_directories(work);
  std::printf("armada_chaos: %lld s of chaos, seed %u, work directory %s\n",
              static_cast<long long>(o.duration.count() / 1000), o.seed, work.c_str());
  std::fflush(stdout);
  std::vector<std::unique_ptr<chaos::lane>> lanes;
  std::vector<chaos::lane*> running;
  for (const auto& p : o.providers) {
    lanes.push_back(std::make_unique<chaos::lane>(p, work + "/" + p, self));
    if (lanes.back()->start())
      running.push_back(lanes.back().get());
  }
  std::unique_ptr<chaos::mesh_chaos> mesh;
  std::string mesh_problem;
  if (o.nodes > 1) {
    mesh = std::make_unique<chaos::mesh_chaos>(CHAOS_MESH_PROGRAM, o.nodes, 60s, o.longest_pause);
    mesh_problem = mesh->start();
  }
  std::printf("armada_chaos: %zu provider(s) and %d mesh node(s) up after %.1f s; chaos begins\n",
              running.size(), o.nodes,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  std::fflush(stdout);

  chaos_clock clock{o.duration};
  std::vector<std::thread> threads;
  // Services: one SIGKILL every 1–3 s, of a random publisher or consumer.
  threads.emplace_back([&, rng = std::mt19937{o.seed}]() mutable {
    while (!running.empty() && clock.pause(between(rng, 1000, 3000))) {
      auto* l = running[std::uniform_int_distribution<std::size_t>{0, running.size() - 1}(rng)];
      l->kill_service(std::bernoulli_distribution{0.5}(rng));
    }
  });
  // Brokers: redis and nats restart every 5–15 s; rabbitmq (~5 s or more to start) every 15–30 s.
  for (auto* l : running)
    if (l->has_broker())
      threads.emplace_back([&, l, rng = std::mt19937{o.seed + threads.size()}]() mutable {
        bool slow = l->figures().provider == "amqp";
        while (clock.pause(slow ? between(rng, 15000, 30000) : between(rng, 5000, 15000)))
          if (!l->restart_broker())
            return;
      });
  // Mesh: one fault after another, each followed by its convergence.
  if (mesh && mesh_problem.empty())
    threads.emplace_back([&, rng = std::mt19937{o.seed + 1000}]() mutable {
      while (clock.pause(between(rng, 500, 2000)))
        if (!mesh->fault(rng))
          return;
    });
  for (auto& t : threads)
    t.join();
  auto chaos_end = std::chrono::steady_clock::now();
  std::printf("armada_chaos: chaos over after %.1f s; recovery and checks\n",
              std::chrono::duration<double>(chaos_end - started).count());
  std::fflush(stdout);
  if (mesh && mesh_problem.empty())
    mesh->finish();
  for (auto* l : running)
    l->check();

  chaos::report_input in;
  in.seed = o.seed;
  in.chaos_s = o.duration.count() / 1000.0;
  in.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const auto& l : lanes)
    in.lanes.push_back(l->figures());
  if (mesh) {
    in.mesh = mesh->figures();
    if (!mesh_problem.empty())
      in.mesh->problem = mesh_problem;
  }
  auto failed = chaos::print_report(in);
  if (!failed && o.work.empty()) {
    lanes.clear();
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) try {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "publish" && argc == 7)
    return chaos::run_publisher(argv[2], argv[3], argv[4], argv[5], std::stoi(argv[6]));
  if (mode == "consume" && argc == 5)
    return chaos::run_consumer(argv[2], argv[3], argv[4]);
  if (mode == "recover" && argc == 3)
    return chaos::run_recovery(argv[2]);
  return run_chaos(parse(argc, argv), std::filesystem::read_symlink("/proc/self/exe").string());
} catch (const std::exception& e) {
  std::fprintf(stderr, "armada_chaos: %s\n", e.what());
  return 2;
}
