#include <chrono>

#include "fixture.hpp"
#include "signals.hpp"

using namespace armada;
using namespace armada::test;
using namespace std::chrono_literals;

namespace shop {
struct order {
  std::string id;
  int lines = 0;
};
} // namespace shop

TEST(capitan_field, every_builtin_variant_round_trips_through_an_event) {
  capitan::key<std::string> s{"s"};
  capitan::key<std::int32_t> i32{"i32"};
  capitan::key<std::int64_t> i64{"i64"};
  capitan::key<std::uint32_t> u32{"u32"};
  capitan::key<std::uint64_t> u64{"u64"};
  capitan::key<float> f{"f"};
  capitan::key<double> d{"d"};
  capitan::key<bool> b{"b"};
  capitan::key<capitan::time_point> t{"t"};
  capitan::key<std::chrono::nanoseconds> dur{"dur"};
  capitan::key<capitan::bytes> by{"by"};
  capitan::key<capitan::error_value> err{"err"};
  auto now = std::chrono::system_clock::now();
  capitan::bytes payload{std::byte{0}, std::byte{255}};
  auto e = capitan::event::make(order_placed, capitan::severity::info,
                                {s("x"), i32(-3), i64(-4), u32(5), u64(6), f(1.5f), d(2.5),
                                 b(true), t(now), dur(5ms), by(payload),
                                 err({"E42", "disk full"})});
  EXPECT_EQ(s.from(e), "x");
  EXPECT_EQ(i32.from(e), -3);
  EXPECT_EQ(i64.from(e), -4);
  EXPECT_EQ(u32.from(e), 5u);
  EXPECT_EQ(u64.from(e), 6u);
  EXPECT_EQ(f.from(e), 1.5f);
  EXPECT_EQ(d.from(e), 2.5);
  EXPECT_EQ(b.from(e), true);
  EXPECT_EQ(t.from(e), now);
  EXPECT_EQ(dur.from(e), std::chrono::nanoseconds{5ms});
  EXPECT_EQ(by.from(e), payload);
  EXPECT_EQ(err.from(e), (capitan::error_value{"E42", "disk full"}));
  EXPECT_EQ(e.find("by")->variant(), "bytes");
  EXPECT_EQ(e.find("i32")->kind(), capitan::field_kind::int32);
}

TEST(capitan_field, a_field_read_with_the_wrong_type_or_missing_is_an_empty_optional) {
  capitan::key<std::int64_t> as_int{"order_id"};
  auto e = capitan::event::make(order_placed, capitan::severity::info, {order_id("A-1")});
  EXPECT_EQ(as_int.from(e), std::nullopt);
  EXPECT_EQ(amount.from(e), std::nullopt);
  EXPECT_EQ(order_id.from(capitan::event{}), std::nullopt);
}

TEST(capitan_field, the_last_field_of_a_name_wins) {
  auto e = capitan::event::make(order_placed, capitan::severity::info, {order_id("first"), order_id("second")});
  EXPECT_EQ(order_id.from(e), "second");
}

TEST(capitan_field, a_custom_key_carries_a_user_type_with_its_variant_name) {
  capitan::key<shop::order> order_key{"order", "shop.Order"};
  capitan::key<shop::order> other_variant{"order", "shop.OtherOrder"};
  auto e = capitan::event::make(order_placed, capitan::severity::info,
                                {order_key(shop::order{"A-7", 3})});
  auto got = order_key.from(e);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, "A-7");
  EXPECT_EQ(got->lines, 3);
  EXPECT_EQ(e.find("order")->variant(), "shop.Order");
  EXPECT_EQ(other_variant.from(e), std::nullopt);
  EXPECT_EQ(capitan::key<std::string>{"order"}.from(e), std::nullopt);
}

TEST(capitan_signal, signals_compare_and_hash_by_name_only) {
  capitan::signal a{"test.same_name", "one description"};
  capitan::signal b{"test.same_name", "another description"};
  capitan::signal c{"test.other_name", "one description"};
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::hash<capitan::signal>{}(a), std::hash<capitan::signal>{}(b));
  EXPECT_FALSE(a == c);
  EXPECT_TRUE(capitan::is_known_signal("test.same_name"));
}

TEST_F(capitan_test, sync_mode_delivers_inline_on_the_emitting_thread) {
  make({.sync = true});
  std::thread::id hook_thread;
  auto l = inst().hook(order_placed, [&](const capitan::event&) { hook_thread = std::this_thread::get_id(); });
  EXPECT_TRUE(inst().emit(order_placed).queued);
  EXPECT_EQ(hook_thread, std::this_thread::get_id()); // no drain needed: already delivered
  EXPECT_EQ(inst().stats().delivered(order_placed), 1u);
  EXPECT_EQ(inst().stats().topic_actors, 0u);
}

// Emit reuses the storage of events nobody kept: an event a hook keeps must stay as it was
// however many events follow, asynchronously and in sync mode.
void kept_events_keep_their_fields(capitan::instance& bus, bool sync) {
  constexpr int n = 5000;
  std::mutex m;
  std::vector<capitan::event> kept;
  std::atomic<int> seen{0};
  auto l = bus.hook(order_placed, [&](const capitan::event& e) {
    if (seen.fetch_add(1) % 3 == 0) {
      std::lock_guard g{m};
      kept.push_back(e);
    }
  });
  for (int i = 0; i < n; ++i)
    bus.emit(order_placed, order_id("O-" + std::to_string(i) + std::string(40, 'x')));
  bus.drain();
  std::lock_guard g{m};
  ASSERT_EQ(kept.size(), static_cast<std::size_t>((n + 2) / 3));
  for (std::size_t k = 0; k < kept.size(); ++k) {
    ASSERT_EQ(kept[k].fields().size(), 1u) << (sync ? "sync, " : "") << "event " << 3 * k;
    EXPECT_EQ(order_id.from(kept[k]), "O-" + std::to_string(3 * k) + std::string(40, 'x'))
      << (sync ? "sync, " : "") << "event " << 3 * k;
    EXPECT_FALSE(kept[k].is_replay());
  }
}

TEST_F(capitan_test, an_event_a_hook_keeps_is_never_overwritten_by_later_emits) {
  kept_events_keep_their_fields(inst(), false);
  kept_events_keep_their_fields(make({.sync = true}), true);
}

// Events nobody kept are reused with their field storage: each must carry exactly the fields
// of its own emit, whether the one before had more, fewer or none.
void reused_events_carry_only_their_own_fields(capitan::instance& bus) {
  std::mutex m;
  std::vector<std::vector<std::string>> seen; // field names per event, in order
  auto l = bus.hook(order_placed, [&](const capitan::event& e) {
    std::vector<std::string> names;
    for (auto& f : e.fields())
      names.push_back(f.name() + "=" + (f.name() == "order_id" ? *order_id.from(e) : ""));
    std::lock_guard g{m};
    seen.push_back(std::move(names));
  });
  for (int i = 0; i < 300; ++i) {
    auto id = "O-" + std::to_string(i);
    switch (i % 3) {
      case 0: bus.emit(order_placed, order_id(id), amount(1.5), order_id(id + "b")); break;
      case 1: bus.emit(order_placed); break;
      default: bus.emit(order_placed, order_id(id)); break;
    }
  }
  bus.drain();
  std::lock_guard g{m};
  ASSERT_EQ(seen.size(), 300u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    auto id = "O-" + std::to_string(i);
    std::vector<std::string> expected;
    if (i % 3 == 0)
      expected = {"order_id=" + id + "b", "amount=", "order_id=" + id + "b"};
    else if (i % 3 == 2)
      expected = {"order_id=" + id};
    EXPECT_EQ(seen[i], expected) << "event " << i;
  }
}

TEST_F(capitan_test, a_reused_event_carries_exactly_the_fields_of_its_own_emit) {
  reused_events_carry_only_their_own_fields(inst());
  reused_events_carry_only_their_own_fields(make({.sync = true}));
}

TEST_F(capitan_test, replay_redelivers_a_stored_event_synchronously_marked_as_replay) {
  std::vector<capitan::event> seen;
  std::mutex m;
  auto l = inst().hook(order_placed, [&](const capitan::event& e) {
    std::lock_guard g{m};
    seen.push_back(e);
  });
  inst().emit(order_placed, order_id("R-1"));
  inst().drain();
  auto stored = seen.front();
  EXPECT_EQ(inst().replay(stored), 1u);
  std::lock_guard g{m};
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].is_replay());
  EXPECT_TRUE(seen[1].is_replay());
  EXPECT_EQ(order_id.from(seen[1]), "R-1");
  EXPECT_EQ(seen[1].timestamp(), seen[0].timestamp());
}

TEST_F(capitan_test, stats_after_a_scripted_run_count_every_outcome) {
  gate g;
  ASSERT_FALSE(inst().apply(capitan::config{}.set("order.placed", {.buffer_size = 1, .policy = capitan::drop_policy::drop_newest})));
  auto l = inst().hook(order_placed, [&](const capitan::event& e) {
    if (*seq.from(e) == 0)
      g.wait();
  });
  inst().emit(order_placed, seq(0), order_id("A"));  // delivered (held at the gate)
  ASSERT_TRUE(g.wait_for_arrivals(1));
  inst().emit(order_placed, seq(1), amount(2.0));    // queued
  inst().emit(order_placed, seq(2));                 // queue full
  inst().debug(order_shipped);                       // no listener
  g.open();
  inst().drain();
  auto st = inst().stats();
  auto placed = st.find(order_placed);
  ASSERT_NE(placed, nullptr);
  EXPECT_EQ(placed->emitted, 3u);
  EXPECT_EQ(placed->delivered, 2u);
  EXPECT_EQ(placed->dropped(capitan::drop_reason::queue_full), 1u);
  EXPECT_EQ(placed->listeners, 1u);
  EXPECT_EQ(placed->queue_depth, 0);
  EXPECT_TRUE(placed->has_topic_actor);
  EXPECT_EQ(placed->fields, (std::vector<std::pair<std::string, std::string>>{
                              {"amount", "float64"}, {"order_id", "string"}, {"seq", "int64"}}));
  EXPECT_EQ(st.dropped(order_shipped, capitan::drop_reason::no_listener), 1u);
  EXPECT_EQ(st.topic_actors, 1u);
}
