#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

constexpr int threads = 4;
constexpr int calls_per_thread = 1000;

/// Runs `body(thread_index)` on `threads` threads at once and joins them.
template <class F> void on_threads(F body) {
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&body, t] { body(t); });
}

} // namespace

TEST(pipz_threads, one_resilient_pipeline_serves_several_threads_with_correct_results) {
  auto work = add("plus-one", 1);
  auto limited = std::make_shared<rate_limiter<int>>(
      "limit", work, rate_limiter_options{.rate = 1e9, .burst = 1000});
  auto breaker = std::make_shared<circuit_breaker<int>>("breaker", limited);
  auto retried = std::make_shared<retry<int>>("retry", breaker);
  auto bounded = std::make_shared<timeout<int>>(
      "timeout", retried, 10s, timeout_options{.clock = std::make_shared<armada::real_clock>()});
  auto seq = std::make_shared<sequence<int>>(
      "steps", sequence<int>::children_type{times("double", 2), bounded});
  pipeline<int> p{"orders", seq};
  std::atomic<int> wrong{0};
  on_threads([&](int t) {
    for (int i = 0; i < calls_per_thread; ++i) {
      int x = t * calls_per_thread + i;
      auto r = p.run(x);
      if (!r.ok() || *r != x * 2 + 1)
        wrong.fetch_add(1);
    }
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(pipz_threads, editing_a_sequence_while_threads_process_never_tears_a_call) {
  auto seq = std::make_shared<sequence<int>>(
      "steps", sequence<int>::children_type{add("a", 1), add("b", 1)});
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::jthread editor{[&] {
    while (!stop.load()) {
      seq->push(add("noop", 0));
      seq->unshift(times("identity", 1));
      seq->remove("noop");
      seq->remove("identity");
    }
  }};
  on_threads([&](int t) {
    context ctx;
    for (int i = 0; i < calls_per_thread; ++i) {
      auto r = seq->process(ctx, t + i);
      if (!r.ok() || *r != t + i + 2)
        wrong.fetch_add(1);
    }
  });
  stop = true;
  editor.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(seq->size(), 2u);
}

TEST(pipz_threads, a_breaker_under_concurrent_failures_only_returns_known_outcomes) {
  auto clock = std::make_shared<armada::manual_clock>();
  auto odd_fails = std::make_shared<apply<int>>("svc", [](context&, const int& x) -> outcome<int> {
    if (x % 2 != 0)
      return fail("odd");
    return x;
  });
  auto breaker = std::make_shared<circuit_breaker<int>>(
      "breaker", odd_fails,
      circuit_breaker_options{
          .failure_threshold = 3, .reset_timeout = 1ms, .half_open_probes = 2, .clock = clock});
  std::atomic<int> unexpected{0};
  std::atomic<bool> done{false};
  std::jthread ticker{[&] {
    while (!done.load())
      clock->advance(1ms);
  }};
  on_threads([&](int t) {
    context ctx;
    for (int i = 0; i < calls_per_thread; ++i) {
      int x = t + i;
      auto r = breaker->process(ctx, x);
      bool fine = r.ok() ? (*r == x && x % 2 == 0)
                         : (r.error().is<causes::circuit_open>() || r.error().message() == "odd");
      if (!fine)
        unexpected.fetch_add(1);
    }
  });
  done = true;
  EXPECT_EQ(unexpected.load(), 0);
}

TEST(pipz_threads, a_worker_pool_shared_by_threads_returns_each_callers_own_result) {
  auto pool = std::make_shared<worker_pool<int>>(
      "pool", times("triple", 3),
      worker_pool_options{.workers = 2, .queue_capacity = 2, .when_full = pool_full::wait});
  std::atomic<int> wrong{0};
  on_threads([&](int t) {
    context ctx;
    for (int i = 0; i < 200; ++i) {
      int x = t * 1000 + i;
      auto r = pool->process(ctx, x);
      if (!r.ok() || *r != 3 * x)
        wrong.fetch_add(1);
    }
  });
  EXPECT_EQ(wrong.load(), 0);
}
