#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

/// A child whose outcome the test switches; counts calls.
class switchable {
public:
  ref<int> node() {
    return std::make_shared<apply<int>>("service", [this](context&, const int& x) -> outcome<int> {
      ++calls;
      if (failing.load())
        return fail("service down");
      return x + 1;
    });
  }
  std::atomic<bool> failing{false};
  std::atomic<int> calls{0};
};

struct pipz_circuit_breaker : ::testing::Test {
  std::shared_ptr<armada::manual_clock> clock = std::make_shared<armada::manual_clock>();
  switchable service;

  std::shared_ptr<circuit_breaker<int>> make(circuit_breaker_options opts, ref<int> child = {}) {
    opts.clock = clock;
    return std::make_shared<circuit_breaker<int>>("breaker", child ? child : service.node(), opts);
  }

  static result<int> call(chainable<int>& n, int x = 1) {
    context ctx;
    return n.process(ctx, x);
  }
};

} // namespace

TEST_F(pipz_circuit_breaker, a_closed_breaker_passes_calls_and_their_results) {
  auto b = make({.failure_threshold = 2});
  EXPECT_EQ(*call(*b, 1), 2);
  service.failing = true;
  auto r = call(*b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "service down");
  EXPECT_EQ(b->state(), breaker_state::closed);
}

TEST_F(pipz_circuit_breaker, consecutive_failures_open_it_and_it_then_rejects_without_calling) {
  auto b = make({.failure_threshold = 3});
  service.failing = true;
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(call(*b).ok());
  EXPECT_EQ(b->state(), breaker_state::open);
  auto r = call(*b);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is<causes::circuit_open>());
  EXPECT_EQ(r.error().input(), 1);
  EXPECT_EQ(service.calls.load(), 3);
}

TEST_F(pipz_circuit_breaker, a_success_resets_the_consecutive_failure_count) {
  auto b = make({.failure_threshold = 3});
  service.failing = true;
  call(*b);
  call(*b);
  service.failing = false;
  call(*b);
  service.failing = true;
  call(*b);
  call(*b);
  EXPECT_EQ(b->state(), breaker_state::closed);
  EXPECT_EQ(b->failures(), 2u);
}

TEST_F(pipz_circuit_breaker, after_the_reset_timeout_a_successful_probe_closes_it) {
  auto b = make({.failure_threshold = 1, .reset_timeout = 10s});
  service.failing = true;
  call(*b);
  service.failing = false;
  clock->advance(9s);
  EXPECT_TRUE(call(*b).error().is<causes::circuit_open>());
  clock->advance(1s);
  EXPECT_EQ(*call(*b, 5), 6);
  EXPECT_EQ(b->state(), breaker_state::closed);
}

TEST_F(pipz_circuit_breaker, closing_takes_success_threshold_probe_successes) {
  auto b = make({.failure_threshold = 1, .reset_timeout = 10s, .success_threshold = 2});
  service.failing = true;
  call(*b);
  service.failing = false;
  clock->advance(10s);
  EXPECT_TRUE(call(*b).ok());
  EXPECT_EQ(b->state(), breaker_state::half_open);
  EXPECT_TRUE(call(*b).ok());
  EXPECT_EQ(b->state(), breaker_state::closed);
}

TEST_F(pipz_circuit_breaker, a_failing_probe_opens_it_again_for_a_full_reset_timeout) {
  auto b = make({.failure_threshold = 1, .reset_timeout = 10s});
  service.failing = true;
  call(*b);
  clock->advance(10s);
  EXPECT_EQ(call(*b).error().message(), "service down");
  EXPECT_EQ(b->state(), breaker_state::open);
  clock->advance(9s);
  EXPECT_TRUE(call(*b).error().is<causes::circuit_open>());
  EXPECT_EQ(service.calls.load(), 2);
}

TEST_F(pipz_circuit_breaker, half_open_admits_at_most_the_probe_limit_at_once) {
  gate entered, release;
  std::atomic<bool> fail_now{true};
  auto child = std::make_shared<apply<int>>("svc", [&](context&, const int& x) -> outcome<int> {
    if (fail_now.load())
      return fail("down");
    entered.open();
    release.wait();
    return x;
  });
  auto b = make({.failure_threshold = 1, .reset_timeout = 1s, .half_open_probes = 1}, child);
  call(*b);
  fail_now = false;
  clock->advance(1s);
  auto probe = process_async(b, 1);
  ASSERT_TRUE(entered.wait());
  EXPECT_EQ(b->state(), breaker_state::half_open);
  auto second = call(*b);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.error().is<causes::circuit_open>());
  release.open();
  ASSERT_TRUE(ready(probe));
  EXPECT_TRUE(probe.get().ok());
  EXPECT_EQ(b->state(), breaker_state::closed);
}

TEST_F(pipz_circuit_breaker, a_stale_result_from_an_older_generation_does_not_change_the_state) {
  // A is admitted while closed and stays in flight; B opens the breaker; after the reset
  // timeout C becomes the half-open probe. A's late success must neither close the breaker
  // nor free C's probe slot.
  gate a_entered, a_release, c_entered, c_release;
  std::atomic<int> n{0};
  auto child = std::make_shared<apply<int>>("svc", [&](context&, const int& x) -> outcome<int> {
    int i = n.fetch_add(1);
    if (i == 0) { // A
      a_entered.open();
      a_release.wait();
      return x;
    }
    if (i == 1) // B
      return fail("down");
    c_entered.open(); // C
    c_release.wait();
    return fail("still down");
  });
  auto b = make({.failure_threshold = 1, .reset_timeout = 1s, .half_open_probes = 1}, child);
  auto a = process_async(b, 1);
  ASSERT_TRUE(a_entered.wait());
  auto gen_a = b->generation();
  EXPECT_FALSE(call(*b).ok()); // B
  EXPECT_EQ(b->state(), breaker_state::open);
  clock->advance(1s);
  auto c = process_async(b, 3);
  ASSERT_TRUE(c_entered.wait());
  EXPECT_EQ(b->state(), breaker_state::half_open);
  a_release.open();
  ASSERT_TRUE(ready(a));
  EXPECT_EQ(*a.get(), 1) << "the stale call still returns its own result";
  EXPECT_EQ(b->state(), breaker_state::half_open);
  EXPECT_EQ(b->generation(), gen_a + 2);
  EXPECT_TRUE(call(*b).error().is<causes::circuit_open>()) << "C still holds the only probe";
  c_release.open();
  ASSERT_TRUE(ready(c));
  EXPECT_FALSE(c.get().ok());
  EXPECT_EQ(b->state(), breaker_state::open);
}

TEST_F(pipz_circuit_breaker, reset_closes_an_open_breaker) {
  auto b = make({.failure_threshold = 1});
  service.failing = true;
  call(*b);
  EXPECT_EQ(b->state(), breaker_state::open);
  b->reset();
  service.failing = false;
  EXPECT_EQ(b->state(), breaker_state::closed);
  EXPECT_EQ(*call(*b, 1), 2);
}
