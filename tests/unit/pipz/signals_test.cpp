#include "armada/capitan.hpp"
#include "armada/runtime.hpp"
#include "armada/testing.hpp"
#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;
namespace capitan = armada::capitan;

namespace {

std::unique_ptr<armada::config> deterministic_config() {
  auto cfg = std::make_unique<armada::config>();
  cfg->deterministic();
  return cfg;
}

/// A synchronous capitan instance (hooks run on the emitting thread, so every event is
/// captured before `process` returns) over an actor system on CAF's deterministic test
/// coordinator (no scheduler threads: the test owns every thread that runs).
struct pipz_signals : ::testing::Test {
  std::unique_ptr<armada::runtime> rt = armada::runtime::start(deterministic_config());
  std::unique_ptr<capitan::instance> inst =
      std::make_unique<capitan::instance>(rt->system(), capitan::instance_options{.sync = true});
  std::shared_ptr<armada::manual_clock> clock = std::make_shared<armada::manual_clock>();

  ~pipz_signals() override { inst.reset(); }

  static result<int> call(chainable<int>& n, int x = 1) {
    context ctx;
    return n.process(ctx, x);
  }
};

} // namespace

TEST_F(pipz_signals, retry_reports_each_retried_attempt_and_then_exhaustion) {
  armada::testing::event_capture attempts{*inst, signals::retry_attempt};
  armada::testing::event_capture exhausted{*inst, signals::retry_exhausted};
  retry<int> r{"retry", failing("svc", "down"), {.max_attempts = 3, .signals = inst.get()}};
  EXPECT_FALSE(call(r).ok());
  ASSERT_EQ(attempts.count(), 2u);
  auto first = attempts.events()[0];
  EXPECT_EQ(keys::attempt.from(first), 1);
  EXPECT_EQ(keys::max_attempts.from(first), 3);
  EXPECT_EQ(keys::error.from(first), "down");
  EXPECT_EQ(keys::name.from(first), "retry");
  EXPECT_EQ(keys::node_id.from(first), r.identity().id().to_string());
  EXPECT_EQ(keys::attempt.from(attempts.events()[1]), 2);
  ASSERT_EQ(exhausted.count(), 1u);
  EXPECT_EQ(keys::attempt.from(exhausted.events()[0]), 3);
  EXPECT_EQ(exhausted.events()[0].level(), capitan::severity::warn);
}

TEST_F(pipz_signals, backoff_reports_the_delay_before_each_wait) {
  armada::testing::event_capture attempts{*inst, signals::retry_attempt};
  flaky child{1};
  auto b = std::make_shared<backoff<int>>(
      "b", child.node("svc"),
      backoff_options{.base_delay = 30ms, .clock = clock, .signals = inst.get()});
  auto running = process_async(b, 1);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  ASSERT_EQ(attempts.count(), 1u);
  EXPECT_EQ(keys::delay.from(attempts.events()[0]), std::chrono::nanoseconds{30ms});
  clock->advance(30ms);
  ASSERT_TRUE(ready(running));
  EXPECT_EQ(*running.get(), 2);
}

TEST_F(pipz_signals, a_breaker_reports_opened_half_open_and_closed_in_order) {
  armada::testing::event_capture all{*inst};
  std::atomic<bool> down{true};
  auto svc = std::make_shared<apply<int>>("svc", [&](context&, const int& x) -> outcome<int> {
    if (down.load())
      return fail("down");
    return x;
  });
  circuit_breaker<int> b{
      "breaker",
      svc,
      {.failure_threshold = 2, .reset_timeout = 5s, .clock = clock, .signals = inst.get()}};
  call(b);
  call(b);
  call(b); // rejected
  down = false;
  clock->advance(5s);
  EXPECT_TRUE(call(b).ok());
  std::vector<std::string> names;
  for (const auto& e : all.events())
    names.push_back(e.signal().name());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "pipz.circuit_breaker.opened", "pipz.circuit_breaker.rejected",
                       "pipz.circuit_breaker.half_open", "pipz.circuit_breaker.closed"}));
  EXPECT_EQ(keys::failures.from(all.events()[0]), 2);
  EXPECT_EQ(keys::generation.from(all.events()[3]), 3u);
}

TEST_F(pipz_signals, a_limiter_reports_dropped_and_waited_calls) {
  armada::testing::event_capture dropped{*inst, signals::rate_limiter_dropped};
  armada::testing::event_capture waited{*inst, signals::rate_limiter_waited};
  rate_limiter<int> drop{
      "drop",
      add("a", 1),
      {.rate = 1, .burst = 1, .mode = limiter_mode::drop, .clock = clock, .signals = inst.get()}};
  call(drop);
  call(drop);
  EXPECT_EQ(dropped.count(), 1u);
  auto wait = std::make_shared<rate_limiter<int>>(
      "wait", add("a", 1),
      rate_limiter_options{.rate = 10, .burst = 1, .clock = clock, .signals = inst.get()});
  call(*wait);
  auto running = process_async(wait, 1);
  ASSERT_TRUE(clock->wait_for_waiters(1));
  clock->advance(100ms);
  ASSERT_TRUE(ready(running));
  ASSERT_EQ(waited.count(), 1u);
  EXPECT_EQ(keys::waited.from(waited.events()[0]), std::chrono::nanoseconds{100ms});
}

TEST_F(pipz_signals, a_timeout_reports_that_it_fired) {
  armada::testing::event_capture fired{*inst, signals::timeout_fired};
  gate entered, never;
  auto t = std::make_shared<timeout<int>>("t", blocking("slow", entered, never), 20ms,
                                          timeout_options{.clock = clock, .signals = inst.get()});
  auto running = process_async(t, 1);
  ASSERT_TRUE(entered.wait());
  ASSERT_TRUE(clock->wait_for_waiters(1));
  clock->advance(20ms);
  ASSERT_TRUE(ready(running));
  EXPECT_FALSE(running.get().ok());
  ASSERT_EQ(fired.count(), 1u);
  EXPECT_EQ(keys::after.from(fired.events()[0]), std::chrono::nanoseconds{20ms});
}

TEST_F(pipz_signals, an_enrich_failure_is_reported_instead_of_lost) {
  armada::testing::event_capture failed{*inst, signals::enrich_failed};
  enrich<int> e{"geo",
                [](context&, const int&) -> outcome<int> { return fail("geo down"); },
                {.signals = inst.get()}};
  EXPECT_EQ(*call(e, 4), 4);
  ASSERT_EQ(failed.count(), 1u);
  EXPECT_EQ(keys::error.from(failed.events()[0]), "geo down");
  EXPECT_EQ(keys::name.from(failed.events()[0]), "geo");
}

TEST_F(pipz_signals, a_worker_pool_reports_rejected_calls) {
  armada::testing::event_capture rejected{*inst, signals::worker_pool_rejected};
  worker_pool<int> pool{"pool", add("a", 1), {.workers = 1, .signals = inst.get()}};
  pool.close();
  EXPECT_FALSE(call(pool).ok());
  ASSERT_EQ(rejected.count(), 1u);
  EXPECT_EQ(keys::capacity.from(rejected.events()[0]), 64);
}

TEST_F(pipz_signals, a_throwing_error_handler_is_reported) {
  armada::testing::event_capture failed{*inst, signals::handle_failed};
  handle<int> h{"h",
                failing("svc"),
                [](context&, const error<int>&) { throw std::runtime_error("pager down"); },
                {.signals = inst.get()}};
  EXPECT_FALSE(call(h).ok());
  ASSERT_EQ(failed.count(), 1u);
  EXPECT_EQ(keys::error.from(failed.events()[0]), "pager down");
}
