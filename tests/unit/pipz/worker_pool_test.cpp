#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

/// A child that counts calls running at once and blocks each until `release` opens.
struct held_work {
  gate release;
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::atomic<int> started{0};

  ref<int> node() {
    return std::make_shared<transform<int>>("held", [this](context&, const int& x) {
      int now = running.fetch_add(1) + 1;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      started.fetch_add(1);
      release.wait();
      running.fetch_sub(1);
      return x * 10;
    });
  }
};

} // namespace

TEST(pipz_worker_pool, a_call_returns_the_result_its_worker_produced) {
  worker_pool<int> pool{"pool", times("ten", 10), {.workers = 2}};
  context ctx;
  auto r = pool.process(ctx, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 40);
}

TEST(pipz_worker_pool, a_child_error_comes_back_with_the_pool_in_the_path) {
  worker_pool<int> pool{"pool", failing("job", "bad job"), {.workers = 1}};
  context ctx;
  auto r = pool.process(ctx, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text().rfind("pool -> job failed", 0), 0u);
}

TEST(pipz_worker_pool, no_more_than_workers_calls_run_the_child_at_once) {
  held_work work;
  auto pool = std::make_shared<worker_pool<int>>(
      "pool", work.node(), worker_pool_options{.workers = 2, .queue_capacity = 10});
  std::vector<std::future<result<int>>> calls;
  for (int i = 0; i < 4; ++i)
    calls.push_back(process_async(pool, i));
  ASSERT_TRUE(eventually([&] { return work.started.load() == 2 && pool->queued() == 2; }));
  EXPECT_EQ(work.peak.load(), 2);
  work.release.open();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(ready(calls[i]));
    EXPECT_EQ(*calls[i].get(), i * 10);
  }
  EXPECT_EQ(work.peak.load(), 2);
}

TEST(pipz_worker_pool, a_full_queue_rejects_in_reject_mode) {
  held_work work;
  auto pool = std::make_shared<worker_pool<int>>(
      "pool", work.node(),
      worker_pool_options{.workers = 1, .queue_capacity = 1, .when_full = pool_full::reject});
  auto running = process_async(pool, 1);
  ASSERT_TRUE(eventually([&] { return work.started.load() == 1; }));
  auto queued = process_async(pool, 2);
  ASSERT_TRUE(eventually([&] { return pool->queued() == 1; }));
  context ctx;
  auto r = pool->process(ctx, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is<causes::rejected>());
  EXPECT_EQ(r.error().input(), 3);
  work.release.open();
  ASSERT_TRUE(ready(running));
  ASSERT_TRUE(ready(queued));
  EXPECT_EQ(*queued.get(), 20);
}

TEST(pipz_worker_pool, a_full_queue_makes_the_caller_wait_in_wait_mode) {
  held_work work;
  auto pool = std::make_shared<worker_pool<int>>(
      "pool", work.node(),
      worker_pool_options{.workers = 1, .queue_capacity = 1, .when_full = pool_full::wait});
  auto a = process_async(pool, 1);
  ASSERT_TRUE(eventually([&] { return work.started.load() == 1; }));
  auto b = process_async(pool, 2);
  ASSERT_TRUE(eventually([&] { return pool->queued() == 1; }));
  auto c = process_async(pool, 3);
  EXPECT_FALSE(ready(c, 0ms));
  work.release.open();
  ASSERT_TRUE(ready(c));
  EXPECT_EQ(*c.get(), 30);
  EXPECT_EQ(*a.get(), 10);
  EXPECT_EQ(*b.get(), 20);
}

TEST(pipz_worker_pool, cancelling_a_queued_call_removes_it_from_the_queue) {
  held_work work;
  auto pool = std::make_shared<worker_pool<int>>(
      "pool", work.node(), worker_pool_options{.workers = 1, .queue_capacity = 4});
  auto running = process_async(pool, 1);
  ASSERT_TRUE(eventually([&] { return work.started.load() == 1; }));
  std::stop_source stop;
  auto ctx = std::make_shared<context>();
  ctx->stop = stop.get_token();
  auto queued = process_async(pool, 2, ctx);
  ASSERT_TRUE(eventually([&] { return pool->queued() == 1; }));
  stop.request_stop();
  ASSERT_TRUE(ready(queued));
  auto r = queued.get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().canceled());
  EXPECT_EQ(pool->queued(), 0u);
  work.release.open();
  ASSERT_TRUE(ready(running));
  EXPECT_EQ(work.started.load(), 1);
}

TEST(pipz_worker_pool, close_finishes_queued_calls_and_refuses_later_ones) {
  held_work work;
  auto pool = std::make_shared<worker_pool<int>>(
      "pool", work.node(), worker_pool_options{.workers = 1, .queue_capacity = 4});
  auto a = process_async(pool, 1);
  ASSERT_TRUE(eventually([&] { return work.started.load() == 1; }));
  auto b = process_async(pool, 2);
  ASSERT_TRUE(eventually([&] { return pool->queued() == 1; }));
  work.release.open();
  pool->close();
  ASSERT_TRUE(ready(a));
  ASSERT_TRUE(ready(b));
  EXPECT_EQ(*b.get(), 20);
  context ctx;
  auto r = pool->process(ctx, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is<causes::rejected>());
}
