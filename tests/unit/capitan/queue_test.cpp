#include <atomic>
#include <future>
#include <stop_token>
#include <thread>

#include "fixture.hpp"
#include "signals.hpp"

using namespace armada;
using namespace armada::test;
using namespace std::chrono_literals;
using capitan::drop_reason;

namespace {

// Hooks `order_placed` with a hook that stops at `g` on the first event, and sets the
// signal's buffer to `buffer` with `policy`. Returns once the first event is in the hook.
capitan::listener occupy(capitan::instance& inst, gate& g, std::int64_t buffer,
                         capitan::drop_policy policy, std::vector<std::int64_t>* got = nullptr) {
  EXPECT_FALSE(inst.apply(capitan::config{}.set("order.placed", {.buffer_size = buffer, .policy = policy})));
  auto l = inst.hook(order_placed, [&g, got](const capitan::event& e) {
    if (*seq.from(e) == 0)
      g.wait();
    if (got)
      got->push_back(*seq.from(e));
  });
  inst.emit(order_placed, seq(0));
  EXPECT_TRUE(g.wait_for_arrivals(1));
  return l;
}

bool wait_for_waiting_emitters(capitan::instance& inst, std::int64_t n) {
  return armada::testing::wait_for_stats(inst, [n](const capitan::instance_stats& s) {
    auto x = s.find(order_placed);
    return x && x->waiting_emitters >= n;
  });
}

} // namespace

TEST_F(capitan_test, an_event_cancelled_before_emit_is_dropped_as_cancelled) {
  armada::testing::event_capture cap{inst(), order_placed};
  std::stop_source src;
  src.request_stop();
  capitan::context ctx{.cancel = src.get_token()};
  EXPECT_EQ(inst().emit(ctx, order_placed, seq(1)).dropped, drop_reason::cancelled);
  EXPECT_EQ(inst().stats().dropped(order_placed, drop_reason::cancelled), 1u);
}

TEST_F(capitan_test, an_event_cancelled_while_queued_is_skipped_and_counted) {
  gate g;
  std::vector<std::int64_t> got;
  auto l = occupy(inst(), g, 10, capitan::drop_policy::block, &got);
  std::stop_source src;
  capitan::context ctx{.cancel = src.get_token()};
  EXPECT_TRUE(inst().emit(ctx, order_placed, seq(1)).queued);
  EXPECT_TRUE(inst().emit(order_placed, seq(2)).queued);
  src.request_stop();
  g.open();
  inst().drain();
  EXPECT_EQ(got, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(inst().stats().dropped(order_placed, drop_reason::cancelled), 1u);
}

TEST_F(capitan_test, a_full_block_queue_makes_the_emitter_wait_until_cancelled) {
  gate g;
  auto l = occupy(inst(), g, 1, capitan::drop_policy::block);
  ASSERT_TRUE(inst().emit(order_placed, seq(1)).queued); // fills the one slot
  std::stop_source src;
  auto blocked = std::async(std::launch::async, [&] {
    return inst().emit(capitan::context{.cancel = src.get_token()}, order_placed, seq(2));
  });
  ASSERT_TRUE(wait_for_waiting_emitters(inst(), 1));
  EXPECT_EQ(blocked.wait_for(0s), std::future_status::timeout); // still waiting
  src.request_stop();
  EXPECT_EQ(blocked.get().dropped, drop_reason::cancelled);
  g.open();
}

TEST_F(capitan_test, a_full_block_queue_gives_up_at_the_context_deadline) {
  gate g;
  auto l = occupy(inst(), g, 1, capitan::drop_policy::block);
  ASSERT_TRUE(inst().emit(order_placed, seq(1)).queued);
  capitan::context ctx{.deadline = std::chrono::steady_clock::now() + 50ms};
  auto r = inst().emit(ctx, order_placed, seq(2));
  EXPECT_EQ(r.dropped, drop_reason::queue_full);
  EXPECT_GE(std::chrono::steady_clock::now(), ctx.deadline);
  g.open();
}

TEST_F(capitan_test, a_blocked_emitter_proceeds_when_the_hook_makes_room) {
  gate g;
  std::vector<std::int64_t> got;
  auto l = occupy(inst(), g, 1, capitan::drop_policy::block, &got);
  ASSERT_TRUE(inst().emit(order_placed, seq(1)).queued);
  auto blocked = std::async(std::launch::async, [&] { return inst().emit(order_placed, seq(2)); });
  ASSERT_TRUE(wait_for_waiting_emitters(inst(), 1));
  g.open();
  EXPECT_TRUE(blocked.get().queued);
  inst().drain();
  EXPECT_EQ(got, (std::vector<std::int64_t>{0, 1, 2}));
}

TEST_F(capitan_test, drop_newest_drops_and_counts_when_the_queue_is_full) {
  gate g;
  std::vector<std::int64_t> got;
  auto l = occupy(inst(), g, 2, capitan::drop_policy::drop_newest, &got);
  EXPECT_TRUE(inst().emit(order_placed, seq(1)).queued);
  EXPECT_TRUE(inst().emit(order_placed, seq(2)).queued);
  EXPECT_EQ(inst().emit(order_placed, seq(3)).dropped, drop_reason::queue_full);
  EXPECT_EQ(inst().emit(order_placed, seq(4)).dropped, drop_reason::queue_full);
  g.open();
  inst().drain();
  EXPECT_EQ(got, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(inst().stats().dropped(order_placed, drop_reason::queue_full), 2u);
}

TEST_F(capitan_test, shutdown_delivers_fifty_events_through_a_buffer_of_five_with_a_slow_hook) {
  gate g;
  std::vector<std::int64_t> got;
  std::mutex m;
  ASSERT_FALSE(inst().apply(capitan::config{}.set("order.placed", {.buffer_size = 5})));
  auto l = inst().hook(order_placed, [&](const capitan::event& e) {
    g.wait(); // slow until the test opens the gate
    std::lock_guard guard{m};
    got.push_back(*seq.from(e));
  });
  auto producer = std::async(std::launch::async, [&] {
    int queued = 0;
    for (std::int64_t i = 0; i < 50; ++i)
      queued += inst().emit(order_placed, seq(i)).queued ? 1 : 0;
    return queued;
  });
  ASSERT_TRUE(wait_for_waiting_emitters(inst(), 1)); // the bound holds the producer back
  EXPECT_LE(inst().stats().find(order_placed)->queue_depth, 5);
  g.open();
  EXPECT_EQ(producer.get(), 50);
  inst().shutdown();
  ASSERT_EQ(got.size(), 50u);
  for (std::int64_t i = 0; i < 50; ++i)
    EXPECT_EQ(got[i], i);
  EXPECT_EQ(inst().emit(order_placed, seq(51)).dropped, drop_reason::shutdown);
  inst().shutdown(); // idempotent
  EXPECT_TRUE(inst().is_shut_down());
}

TEST_F(capitan_test, shutdown_wakes_a_blocked_emitter) {
  gate g;
  auto l = occupy(inst(), g, 1, capitan::drop_policy::block);
  ASSERT_TRUE(inst().emit(order_placed, seq(1)).queued);
  auto blocked = std::async(std::launch::async, [&] { return inst().emit(order_placed, seq(2)); });
  ASSERT_TRUE(wait_for_waiting_emitters(inst(), 1));
  auto closer = std::async(std::launch::async, [&] { inst().shutdown(); });
  EXPECT_EQ(blocked.get().dropped, drop_reason::shutdown);
  g.open();
  closer.get();
}

TEST_F(capitan_test, closing_the_last_listener_wakes_a_blocked_emitter) {
  gate g;
  auto l = occupy(inst(), g, 1, capitan::drop_policy::block);
  ASSERT_TRUE(inst().emit(order_placed, seq(1)).queued);
  auto blocked = std::async(std::launch::async, [&] { return inst().emit(order_placed, seq(2)); });
  ASSERT_TRUE(wait_for_waiting_emitters(inst(), 1));
  l.close();
  EXPECT_EQ(blocked.get().dropped, drop_reason::no_listener);
  g.open();
}

TEST_F(capitan_test, close_and_emit_race_for_a_hundred_rounds_without_deadlock) {
  ASSERT_FALSE(inst().apply(capitan::config{}.set("order.placed", {.buffer_size = 2})));
  for (int round = 0; round < 100; ++round) {
    std::atomic<int> calls{0};
    auto l = inst().hook(order_placed, [&](const capitan::event&) { ++calls; });
    auto emitter = std::async(std::launch::async, [&] {
      for (int i = 0; i < 50; ++i)
        inst().emit(order_placed, seq(i));
    });
    auto closer = std::async(std::launch::async, [&] { l.close(); });
    ASSERT_EQ(emitter.wait_for(10s), std::future_status::ready) << "round " << round;
    ASSERT_EQ(closer.wait_for(10s), std::future_status::ready) << "round " << round;
    inst().drain();
    EXPECT_LE(calls, 50);
  }
}

TEST_F(capitan_test, hook_once_fires_exactly_once_under_concurrent_emits) {
  std::atomic<int> calls{0};
  auto once = inst().hook_once(order_placed, [&](const capitan::event&) { ++calls; });
  auto keep = inst().hook(order_placed, [](const capitan::event&) {});
  std::vector<std::future<void>> emitters;
  for (int t = 0; t < 4; ++t)
    emitters.push_back(std::async(std::launch::async, [&] {
      for (int i = 0; i < 200; ++i)
        inst().emit(order_placed, seq(i));
    }));
  for (auto& f : emitters)
    f.get();
  inst().drain();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(once.closed());
}

TEST_F(capitan_test, hook_once_fires_exactly_once_in_sync_mode_under_concurrency) {
  make({.sync = true});
  std::atomic<int> calls{0};
  auto once = inst().hook_once(order_placed, [&](const capitan::event&) { ++calls; });
  std::vector<std::future<void>> emitters;
  for (int t = 0; t < 4; ++t)
    emitters.push_back(std::async(std::launch::async, [&] {
      for (int i = 0; i < 200; ++i)
        inst().emit(order_placed, seq(i));
    }));
  for (auto& f : emitters)
    f.get();
  EXPECT_EQ(calls, 1);
}

TEST_F(capitan_test, a_slow_hook_slows_only_its_own_signal) {
  gate g;
  auto slow = inst().hook(order_placed, [&](const capitan::event&) { g.wait(); });
  armada::testing::event_capture other{inst(), order_shipped};
  inst().emit(order_placed);
  ASSERT_TRUE(g.wait_for_arrivals(1));
  for (int i = 0; i < 10; ++i)
    inst().emit(order_shipped);
  EXPECT_TRUE(other.wait_for_count(10));
  g.open();
}

TEST_F(capitan_test, no_topic_actor_outlives_a_shutdown_that_races_with_first_emits) {
  // The first emit on a signal spawns its topic actor. One that raced with shutdown used to
  // spawn it after shutdown had stopped the topics it found: that actor lived on, and the actor
  // system's destructor waited for it forever.
  constexpr int signals = 64;
  auto& sys = rt_->system();
  auto baseline = sys.registry().running();
  for (int round = 0; round < 50; ++round) {
    auto& bus = make();
    std::vector<capitan::signal> sigs;
    std::vector<capitan::listener> ls;
    for (int i = 0; i < signals; ++i) {
      sigs.emplace_back("race." + std::to_string(round) + "." + std::to_string(i));
      ls.push_back(bus.hook(sigs.back(), [](const capitan::event&) {}));
    }
    std::atomic<int> started{0};
    auto emitter = [&](int from) {
      started.fetch_add(1);
      for (int i = from; i < signals; i += 2)
        bus.emit(sigs[i]); // queued, or dropped as shut down: either is fine
    };
    std::thread a{emitter, 0}, b{emitter, 1};
    while (started.load() < 2) {
    }
    bus.shutdown(); // while the emitters spawn topic actors
    a.join();
    b.join();
    ASSERT_TRUE(armada::testing::wait_until([&] { return sys.registry().running() == baseline; }, 5s))
      << "round " << round << ": " << sys.registry().running() - baseline
      << " actor(s) still running after shutdown (a topic actor spawned by an emit racing with shutdown)";
  }
}
