// capitan throughput and cost, with raw CAF in the same run as the baseline.
//
//   build/bench/capitan/bench_capitan            # all, then the ratio table
//   build/bench/capitan/bench_capitan --benchmark_filter=sync
//   ARMADA_SCHEDULER__MAX_THREADS=4 build/bench/capitan/bench_capitan   # workers (default: one per core)
//
// Emit → hook throughput counts an event as done when the hook has run (the benchmark waits for
// the last one), so queueing, the topic actor and the hook call are all inside the figure.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <caf/all.hpp>

#include "armada/capitan.hpp"
#include "armada/runtime.hpp"
#include "../support/proc_status.hpp"
#include "../support/start_runtime.hpp"

namespace cap = armada::capitan;

namespace {

using armada::bench::peak_rss_kib;
using armada::bench::rss_kib;

std::unique_ptr<armada::runtime> rt;

armada::runtime& the_runtime() {
  if (!rt)
    rt = armada::bench::start_runtime();
  return *rt;
}



void wait_for(const std::atomic<std::int64_t>& counter, std::int64_t n) {
  while (counter.load(std::memory_order_acquire) < n)
    std::this_thread::yield();
}

// -- raw CAF baseline ----------------------------------------------------------------

void BM_raw_caf_anon_send(benchmark::State& state) {
  auto& sys = the_runtime().system();
  std::atomic<std::int64_t> count{0};
  auto a = sys.spawn([&count]() -> caf::behavior {
    return {[&count](int) { count.fetch_add(1, std::memory_order_release); }};
  });
  std::int64_t sent = 0;
  for (auto _ : state) {
    caf::anon_send(a, 1);
    ++sent;
  }
  wait_for(count, sent);
  state.SetItemsProcessed(sent);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
BENCHMARK(BM_raw_caf_anon_send)->UseRealTime();

// -- capitan emit → hook ---------------------------------------------------------------

const cap::key<std::int64_t> seq{"seq"};

void emit_to_signals(benchmark::State& state, int signals, std::int64_t buffer) {
  auto& sys = the_runtime().system();
  auto bus = std::make_unique<cap::instance>(sys, cap::instance_options{.buffer_size = buffer});
  std::vector<cap::signal> sigs;
  std::atomic<std::int64_t> count{0};
  std::vector<cap::listener> ls;
  for (int i = 0; i < signals; ++i) {
    sigs.emplace_back("bench.signal." + std::to_string(i));
    ls.push_back(bus->hook(sigs.back(), [&count](const cap::event&) {
      count.fetch_add(1, std::memory_order_release);
    }));
  }
  std::int64_t sent = 0;
  for (auto _ : state) {
    bus->emit(sigs[sent % signals], seq(sent));
    ++sent;
  }
  wait_for(count, sent);
  state.SetItemsProcessed(sent);
  bus->shutdown();
}

void BM_capitan_emit_1_signal(benchmark::State& state) {
  emit_to_signals(state, 1, state.range(0));
}
BENCHMARK(BM_capitan_emit_1_signal)->Arg(16)->Arg(1024)->UseRealTime();

void BM_capitan_emit_8_signals(benchmark::State& state) {
  emit_to_signals(state, 8, state.range(0));
}
BENCHMARK(BM_capitan_emit_8_signals)->Arg(16)->Arg(1024)->UseRealTime();

void BM_capitan_sync_emit(benchmark::State& state) {
  auto& sys = the_runtime().system();
  cap::instance bus{sys, {.sync = true}};
  cap::signal s{"bench.sync"};
  std::int64_t count = 0;
  auto l = bus.hook(s, [&count](const cap::event&) { ++count; });
  std::int64_t i = 0;
  for (auto _ : state)
    bus.emit(s, seq(i++));
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_capitan_sync_emit);

void BM_capitan_sync_emit_no_fields(benchmark::State& state) {
  auto& sys = the_runtime().system();
  cap::instance bus{sys, {.sync = true}};
  cap::signal s{"bench.sync0"};
  std::int64_t count = 0;
  auto l = bus.hook(s, [&count](const cap::event&) { ++count; });
  for (auto _ : state)
    bus.emit(s);
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_capitan_sync_emit_no_fields);

// -- memory ------------------------------------------------------------------------------

void BM_memory_idle_signal_with_one_hook(benchmark::State& state) {
  constexpr int n = 100000;
  for (auto _ : state) {
    auto& sys = the_runtime().system();
    auto before = rss_kib();
    {
      cap::instance bus{sys};
      std::vector<cap::listener> ls;
      ls.reserve(n);
      std::vector<cap::signal> sigs;
      sigs.reserve(n);
      for (int i = 0; i < n; ++i) {
        sigs.emplace_back("bench.idle." + std::to_string(i));
        ls.push_back(bus.hook(sigs.back(), [](const cap::event&) {}));
      }
      auto hooked = rss_kib();
      // One emit each: now every signal also has its topic actor.
      for (auto& s : sigs)
        bus.emit(s);
      bus.drain();
      auto with_actor = rss_kib();
      state.counters["bytes_per_hooked_signal"] = 1024.0 * static_cast<double>(hooked - before) / n;
      state.counters["bytes_per_signal_with_topic_actor"] =
        1024.0 * static_cast<double>(with_actor - before) / n;
      bus.shutdown();
    }
  }
}
BENCHMARK(BM_memory_idle_signal_with_one_hook)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_memory_flood_into_a_block_queue(benchmark::State& state) {
  for (auto _ : state) {
    auto& sys = the_runtime().system();
    cap::instance bus{sys, {.buffer_size = 16}};
    cap::signal s{"bench.flood"};
    std::atomic<std::int64_t> count{0};
    auto l = bus.hook(s, [&count](const cap::event&) {
      // a slow hook: ~2 µs of work per event
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds{2};
      while (std::chrono::steady_clock::now() < until) {
      }
      count.fetch_add(1, std::memory_order_release);
    });
    constexpr std::int64_t n = 200000;
    auto before = rss_kib();
    long max_rss = before;
    for (std::int64_t i = 0; i < n; ++i) {
      bus.emit(s, seq(i));
      if (i % 10000 == 0)
        max_rss = std::max(max_rss, rss_kib());
    }
    wait_for(count, n);
    state.counters["rss_growth_kib"] = static_cast<double>(max_rss - before);
    state.counters["peak_rss_kib"] = static_cast<double>(peak_rss_kib());
    bus.shutdown();
  }
}
BENCHMARK(BM_memory_flood_into_a_block_queue)->Iterations(1)->Unit(benchmark::kMillisecond);

// -- the ratio table ---------------------------------------------------------------------

class capturing_reporter : public benchmark::ConsoleReporter {
public:
  std::map<std::string, double> items_per_second;
  std::map<std::string, double> ns_per_item;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (auto& r : runs) {
      if (auto i = r.counters.find("items_per_second"); i != r.counters.end()) {
        items_per_second[r.benchmark_name()] = i->second.value;
        ns_per_item[r.benchmark_name()] = r.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  capturing_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto& ips = reporter.items_per_second;
  auto raw = ips["BM_raw_caf_anon_send/real_time"];
  if (raw > 0) {
    std::printf("\n%-45s %14s %10s\n", "emit -> hook", "msgs/s", "x raw CAF");
    std::printf("%-45s %14.0f %10.2f\n", "raw CAF anon_send (baseline)", raw, 1.0);
    for (auto& [name, v] : ips)
      if (name.find("BM_capitan_emit") == 0)
        std::printf("%-45s %14.0f %10.2f\n", name.c_str(), v, v / raw);
    std::printf("target: >= 0.80 x raw CAF\n");
  }
  for (auto& [name, ns] : reporter.ns_per_item)
    if (name.find("sync") != std::string::npos)
      std::printf("%-45s %10.1f ns/emit (target < 100 ns)\n", name.c_str(), ns);
  rt.reset();
  benchmark::Shutdown();
}
