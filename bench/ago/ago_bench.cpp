// Sagas of 3 local steps completed per second — memory store and embedded (LMDB) store —
// beside the same 3 functions called directly, in the same run; fsyncs per saga with group
// commit; memory per in-flight saga with 100 000 concurrent sagas.
//
//   build/bench/ago/bench_ago [sagas=100000] [concurrent=100000] [only=all|direct|memory|embedded|inflight]

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "armada/ago.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/uuid.hpp"
#include "../support/proc_status.hpp"
#include "../support/start_runtime.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

using armada::bench::peak_rss_kib;
using armada::bench::rss_kib;

struct order {
  std::int64_t id = 0;
  std::int64_t total = 0;
};
void to_json(nlohmann::json& j, const order& o) {
  j = nlohmann::json{{"id", o.id}, {"total", o.total}};
}
void from_json(const nlohmann::json& j, order& o) {
  o.id = j.at("id").get<std::int64_t>();
  o.total = j.at("total").get<std::int64_t>();
}

// The three steps, kept opaque to the optimiser.
std::atomic<std::int64_t> sink{0};
void reserve(order& o) { o.total += 1; sink.fetch_add(1, std::memory_order_relaxed); }
void charge(order& o) { o.total += 2; sink.fetch_add(1, std::memory_order_relaxed); }
void ship(order& o) { o.total += 3; sink.fetch_add(1, std::memory_order_relaxed); }

ago::saga<order> three_steps() {
  ago::saga<order> s{"bench"};
  s.step("reserve", [](order& o) { reserve(o); }, [](order&) {})
    .step("charge", [](order& o) { charge(o); }, [](order&) {})
    .step("ship", [](order& o) { ship(o); }, [](order&) {});
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// Counts finished sagas; wait() blocks until `n` finished.
struct finish_counter {
  std::mutex mtx;
  std::condition_variable cv;
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> wanted{0};
  void add() {
    if (done.fetch_add(1) + 1 >= wanted.load()) {
      std::lock_guard guard{mtx};
      cv.notify_all();
    }
  }
  void wait(std::size_t n) {
    if (done.load() >= n)
      return;
    std::unique_lock lock{mtx};
    wanted = n;
    cv.wait(lock, [&] { return done.load() >= n; });
  }
};

/// Runs `n` sagas on `store` with at most `window` in flight; returns sagas/s.
double run_sagas(caf::actor_system& sys, capitan::instance& events, std::shared_ptr<ago::saga_store> store,
                 std::size_t n, std::size_t window) {
  ago::engine_options opts;
  opts.events = &events;
  ago::engine eng{sys, store, opts};
  eng.add(three_steps());
  finish_counter fin;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= window && i % 256 == 0)
      fin.wait(i - window + 1);
    auto id = eng.start<order>("bench", order{static_cast<std::int64_t>(i), 0});
    if (!id) {
      std::fprintf(stderr, "start failed: %s\n", describe(id.error()).c_str());
      std::exit(1);
    }
    if (!eng.on_finished(*id, [&](const ago::saga_outcome&) { fin.add(); }))
      fin.add(); // already finished
  }
  fin.wait(n);
  return static_cast<double>(n) / seconds_since(t0);
}


/// The floor an actor per saga puts under the memory-store figure: raw CAF spawning `n` actors
/// (at most `window` alive) that each send themselves one message and quit; actors/s.
double run_raw_actors(caf::actor_system& sys, std::size_t n, std::size_t window) {
  finish_counter fin;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= window && i % 256 == 0)
      fin.wait(i - window + 1);
    sys.spawn([&fin](caf::event_based_actor* self) -> caf::behavior {
      self->send(self, caf::ok_atom::value);
      return {[self, &fin](caf::ok_atom) {
        fin.add();
        self->quit();
      }};
    });
  }
  fin.wait(n);
  return static_cast<double>(n) / seconds_since(t0);
}

} // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  std::size_t concurrent = argc > 2 ? std::stoul(argv[2]) : 100000;
  std::string only = argc > 3 ? argv[3] : "all";
  auto runs = [&](const char* phase) { return only == "all" || only == phase; };
  auto rt = bench::start_runtime();
  capitan::instance events{rt->system()};
  std::printf("ago: sagas of 3 local steps\n");

  // Memory per in-flight saga first (a clean heap): sagas parked on a request nobody answers.
  if (runs("inflight")) {
    static const capitan::signal park{"bench.park", "never answered"};
    static const capitan::signal parked{"bench.parked", "never sent"};
    auto silent = events.hook(park, [](const capitan::event&) {});
    ago::engine_options opts;
    opts.events = &events;
    ago::engine eng{rt->system(), ago::make_memory_store(), opts};
    ago::saga<order> s{"parked"};
    s.step("reserve", [](order& o) { reserve(o); }, [](order&) {})
      .step("wait", ago::request<order>(park, parked, [](const order&) { return std::vector<capitan::field>{}; }));
    eng.add(s);
    auto before = rss_kib();
    for (std::size_t i = 0; i < concurrent; ++i)
      eng.start<order>("parked", order{static_cast<std::int64_t>(i), 0});
    while (eng.requests().waiting() < concurrent)
      std::this_thread::sleep_for(1ms);
    events.drain();
    auto after = rss_kib();
    std::printf("  memory per in-flight saga      %12.2f KiB   (%zu concurrent sagas, actor + log record; target <= 4 KiB)\n",
                static_cast<double>(after - before) / static_cast<double>(concurrent), concurrent);
  }

  // Baseline: the same three functions called directly.
  double direct = 0;
  {
    auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n * 10; ++i) {
      order o{static_cast<std::int64_t>(i), 0};
      reserve(o);
      charge(o);
      ship(o);
    }
    direct = static_cast<double>(n * 10) / seconds_since(t0);
    std::printf("  direct calls (3 functions)     %12.0f /s\n", direct);
  }

  if (runs("memory")) {
    double raw = run_raw_actors(rt->system(), n, 10000);
    std::printf("  raw CAF: spawn, 1 message, quit %11.0f actors/s (the floor of an actor per saga)\n", raw);
    double memory = run_sagas(rt->system(), events, ago::make_memory_store(), n, 10000);
    std::printf("  memory store                   %12.0f sagas/s   (target >= 100000)  ratio to direct %.5f, to raw CAF actors %.2f\n",
                memory, memory / direct, memory / raw);
  }

  if (runs("embedded")) {
    auto dir = std::filesystem::temp_directory_path() / ("armada-bench-ago-" + uuid::random().to_string());
    std::filesystem::create_directories(dir);
    std::size_t embedded_n = std::min<std::size_t>(n, 20000);
    auto store = ago::make_embedded_store({.path = (dir / "sagas.mdb").string()});
    if (!store) {
      std::fprintf(stderr, "%s\n", describe(store.error()).c_str());
      return 1;
    }
    double embedded = run_sagas(rt->system(), events, *store, embedded_n, 2000);
    auto st = (*store)->stats();
    store->reset();
    std::filesystem::remove_all(dir);
    std::printf("  embedded store (fsync, group)  %12.0f sagas/s   %zu sagas, %llu writes, %llu commits, %llu fsyncs\n",
                embedded, embedded_n, static_cast<unsigned long long>(st.writes),
                static_cast<unsigned long long>(st.commits), static_cast<unsigned long long>(st.fsyncs));
    std::printf("    fsyncs per saga %.3f, per step %.3f (target <= 1 per step)\n",
                static_cast<double>(st.fsyncs) / static_cast<double>(embedded_n),
                static_cast<double>(st.fsyncs) / static_cast<double>(embedded_n * 3));
  }
  return 0;
}
