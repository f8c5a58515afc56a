// pipz benchmarks: per-call cost and heap allocations of the hot paths, printed beside the
// figures the Go pipz v1 publishes. Every operator new in this process is counted, so
// `allocs/call` is exact for the measured loop.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>

#include <benchmark/benchmark.h>

#include "armada/pipz.hpp"

namespace {

std::atomic<std::uint64_t> allocations{0};

void* counted_alloc(std::size_t n, std::size_t align = 0) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0)
    n = 1;
  void* p = align > alignof(std::max_align_t)
                ? std::aligned_alloc(align, (n + align - 1) / align * align)
                : std::malloc(n);
  if (p == nullptr)
    throw std::bad_alloc{};
  return p;
}

} // namespace

void* operator new(std::size_t n) {
  return counted_alloc(n);
}
void* operator new[](std::size_t n) {
  return counted_alloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace pz = armada::pipz;
using namespace std::chrono_literals;

namespace {

/// The Go pipz v1 published figures, shown beside ours.
struct go_figure {
  double ns;
  double allocs; // < 0: not published
};
const std::map<std::string, go_figure> go_figures{
    {"sequence_1_transform", {243, 3}},
    {"resilience_stack_healthy", {1200, -1}},
};

pz::ref<int> plus(std::string name, int n) {
  return std::make_shared<pz::transform<int>>(std::move(name),
                                              [n](pz::context&, const int& x) { return x + n; });
}

/// Runs `node` in the benchmark loop and reports allocs/call (and the Go figures).
void run(benchmark::State& state, pz::chainable<int>& node, const std::string& go_key = {}) {
  pz::context ctx;
  int x = 0;
  auto before = allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    auto r = node.process(ctx, x);
    if (!r.ok())
      state.SkipWithError("the pipeline failed");
    benchmark::DoNotOptimize(x = *r & 0xffff);
  }
  auto allocs = allocations.load(std::memory_order_relaxed) - before;
  state.counters["allocs/call"] =
      benchmark::Counter(static_cast<double>(allocs), benchmark::Counter::kAvgIterations);
  if (auto i = go_figures.find(go_key); i != go_figures.end()) {
    state.counters["go_ns/call"] = i->second.ns;
    if (i->second.allocs >= 0)
      state.counters["go_allocs/call"] = i->second.allocs;
  }
}

void sequence_1_transform(benchmark::State& state) {
  pz::sequence<int> seq{"seq", {plus("a", 1)}};
  run(state, seq, "sequence_1_transform");
}
BENCHMARK(sequence_1_transform);

void sequence_5_transforms(benchmark::State& state) {
  pz::sequence<int> seq{"seq",
                        {plus("a", 1), plus("b", 2), plus("c", 3), plus("d", 4), plus("e", 5)}};
  run(state, seq);
}
BENCHMARK(sequence_5_transforms);

/// retry -> circuit breaker -> rate limiter -> transform, every call succeeding.
void resilience_stack_healthy(benchmark::State& state) {
  auto limiter = std::make_shared<pz::rate_limiter<int>>(
      "limit", plus("call", 1), pz::rate_limiter_options{.rate = 1e12, .burst = 1'000'000});
  auto breaker = std::make_shared<pz::circuit_breaker<int>>("breaker", limiter);
  pz::retry<int> stack{"retry", breaker, {.max_attempts = 3}};
  run(state, stack, "resilience_stack_healthy");
}
BENCHMARK(resilience_stack_healthy);

void transform_alone(benchmark::State& state) {
  auto t = plus("fast", 1);
  run(state, *t);
}
BENCHMARK(transform_alone);

/// A 1 s timeout around a fast transform, on the real clock: the overhead of the deadline,
/// the stop token and the shared timer registration (no thread per call).
void timeout_fast_child(benchmark::State& state) {
  pz::timeout<int> t{
      "timeout", plus("fast", 1), 1s, {.clock = std::make_shared<armada::real_clock>()}};
  run(state, t);
}
BENCHMARK(timeout_fast_child);

/// Collects the results to print one comparison table at the end.
class table_reporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      auto allocs = r.counters.find("allocs/call");
      rows_.push_back({r.benchmark_name(), r.GetAdjustedRealTime(),
                       allocs == r.counters.end() ? -1.0 : allocs->second.value});
    }
  }

  void print_table() const {
    std::printf("\n%-28s %12s %12s %12s %12s\n", "benchmark", "ns/call", "allocs/call",
                "Go ns/call", "Go allocs");
    for (const auto& row : rows_) {
      auto go = go_figures.find(row.name);
      std::printf("%-28s %12.1f %12.2f", row.name.c_str(), row.ns, row.allocs);
      if (go != go_figures.end()) {
        std::printf(" %12.0f", go->second.ns);
        if (go->second.allocs >= 0)
          std::printf(" %12.0f", go->second.allocs);
      }
      std::printf("\n");
    }
  }

private:
  struct row {
    std::string name;
    double ns;
    double allocs;
  };
  std::vector<row> rows_;
};

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  table_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_table();
  benchmark::Shutdown();
  return 0;
}
