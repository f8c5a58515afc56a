// capitan throughput and cost, with raw CAF in the same run as the baseline.
//
//   build/bench/capitan/bench_capitan            # all (throughput in 5 rounds), then the ratio table
//   build/bench/capitan/bench_capitan --rounds=9 # more rounds
//   build/bench/capitan/bench_capitan --benchmark_filter=sync
//   ARMADA_SCHEDULER__MAX_THREADS=4 build/bench/capitan/bench_capitan   # workers (default: one per core)
//
// Emit → hook throughput counts an event as done when the hook has run (the benchmark waits for
// the last one), so queueing, the topic actor and the hook call are all inside the figure.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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

/// Collects every run's figures, in run order (one entry per round).
class capturing_reporter : public benchmark::ConsoleReporter {
public:
  std::map<std::string, std::vector<double>> items_per_second;
  std::map<std::string, std::vector<double>> ns_per_item;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (auto& r : runs) {
      if (auto i = r.counters.find("items_per_second"); i != r.counters.end()) {
        items_per_second[r.benchmark_name()].push_back(i->second.value);
        ns_per_item[r.benchmark_name()].push_back(r.GetAdjustedRealTime());
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

// Without --benchmark_filter, the throughput and sync benchmarks run in rounds (--rounds=N,
// default 5): raw CAF, then every capitan row, again and again. Each round's ratio compares figures taken
// seconds apart, and the table reports the median of those ratios: this machine's throughput
// drifts by a third for minutes at a time, which a single raw figure taken before all capitan
// rows turns into a wrong ratio.
int main(int argc, char** argv) {
  int rounds = 5;
  bool filtered = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string_view a{argv[i]};
    if (a.substr(0, 9) == "--rounds=") {
      rounds = std::max(1, std::atoi(argv[i] + 9));
      continue;
    }
    if (a.substr(0, 18) == "--benchmark_filter")
      filtered = true;
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  capturing_reporter reporter;
  if (filtered) {
    benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    for (int r = 0; r < rounds; ++r)
      benchmark::RunSpecifiedBenchmarks(&reporter, "raw_caf|capitan_emit_|sync");
    benchmark::RunSpecifiedBenchmarks(&reporter, "memory");
  }
  auto& ips = reporter.items_per_second;
  const std::string raw_name = "BM_raw_caf_anon_send/real_time";
  if (auto raw = ips.find(raw_name); raw != ips.end()) {
    std::printf("\n%-45s %14s %10s %14s\n", "emit -> hook (medians)", "msgs/s", "x raw CAF", "range of x");
    std::printf("%-45s %14.0f %10.2f\n", "raw CAF anon_send (baseline)", median(raw->second), 1.0);
    for (auto& [name, v] : ips) {
      if (name.find("BM_capitan_emit") != 0)
        continue;
      std::vector<double> ratios; // per round: capitan / raw of the same round
      for (std::size_t r = 0; r < v.size() && r < raw->second.size(); ++r)
        ratios.push_back(v[r] / raw->second[r]);
      auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
      std::printf("%-45s %14.0f %10.2f %7.2f-%.2f\n", name.c_str(), median(v), median(ratios), *lo, *hi);
    }
    std::printf("target: >= 0.80 x raw CAF (%zu round%s)\n", raw->second.size(), raw->second.size() == 1 ? "" : "s");
  }
  for (auto& [name, ns] : reporter.ns_per_item)
    if (name.find("sync") != std::string::npos)
      std::printf("%-45s %10.1f ns/emit (median; target < 100 ns)\n", name.c_str(), median(ns));
  rt.reset();
  benchmark::Shutdown();
}
