// The broker and topic actors on CAF's deterministic test coordinator: nothing runs until the
// test says so, so the messages between emit and hook can be observed one by one.

#include <gtest/gtest.h>

#include "armada/testing.hpp"
#include "signals.hpp"

using namespace armada;
using namespace armada::test;

TEST(capitan_actors, an_emit_is_one_message_to_the_topic_actor_that_runs_the_hook) {
  armada::testing::deterministic_fixture fx;
  auto& bus = fx.spawn_capitan();
  int calls = 0;
  auto l = bus.hook(order_placed, [&](const capitan::event&) { ++calls; });
  fx.run();
  fx.emit(bus, order_placed, order_id("A-1"));
  EXPECT_EQ(calls, 0); // queued in the topic actor's mailbox, not yet delivered
  EXPECT_TRUE(fx.run_once());
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(fx.run_once());
}

TEST(capitan_actors, the_broker_state_reports_the_stats_of_the_instance) {
  armada::testing::deterministic_fixture fx;
  auto& bus = fx.spawn_capitan();
  auto l = bus.hook(order_placed, [](const capitan::event&) {});
  fx.emit(bus, order_placed, order_id("A-1"));
  fx.emit(bus, order_placed, order_id("A-2"));
  fx.run();
  auto state = fx.state_of(bus);
  EXPECT_EQ(state.stats.emitted(order_placed), 2u);
  EXPECT_EQ(state.stats.delivered(order_placed), 2u);
  EXPECT_TRUE(state.deterministic);
  EXPECT_FALSE(state.sync);
}

TEST(capitan_actors, the_topic_state_lists_listeners_in_order_with_their_call_counts) {
  armada::testing::deterministic_fixture fx;
  auto& bus = fx.spawn_capitan();
  auto a = bus.hook(order_placed, [](const capitan::event&) {});
  auto b = bus.hook_once(order_placed, [](const capitan::event&) {});
  fx.emit(bus, order_placed);
  fx.emit(bus, order_placed);
  fx.run();
  auto topic = fx.state_of(bus.topic(order_placed));
  ASSERT_EQ(topic.listeners.size(), 1u); // the once-hook detached itself after one event
  EXPECT_EQ(topic.listeners[0].calls, 2u);
  EXPECT_FALSE(topic.listeners[0].once);
  EXPECT_EQ(topic.stats.delivered, 2u);
  EXPECT_EQ(topic.stats.queue_depth, 0);
}

TEST(capitan_actors, a_deterministic_instance_never_blocks_the_emitter_on_a_full_queue) {
  armada::testing::deterministic_fixture fx;
  auto& bus = fx.spawn_capitan({.buffer_size = 2});
  int calls = 0;
  auto l = bus.hook(order_placed, [&](const capitan::event&) { ++calls; });
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(fx.emit(bus, order_placed).queued);
  EXPECT_EQ(bus.stats().find(order_placed)->queue_depth, 5);
  fx.run();
  EXPECT_EQ(calls, 5);
}
