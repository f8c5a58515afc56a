#include <atomic>
#include <mutex>
#include <set>

#include "fixture.hpp"
#include "signals.hpp"

using namespace armada;
using namespace armada::test;

TEST_F(capitan_test, an_observer_without_a_list_sees_every_signal_including_later_ones) {
  std::mutex m;
  std::multiset<std::string> seen;
  auto early = inst().hook(order_placed, [](const capitan::event&) {});
  auto obs = inst().observe([&](const capitan::event& e) {
    std::lock_guard g{m};
    seen.insert(e.signal().name());
  });
  inst().emit(order_placed);
  capitan::signal later{"test.first_seen_later"};
  inst().emit(later); // a signal the instance never saw before the observer
  inst().drain();
  std::lock_guard g{m};
  EXPECT_EQ(seen, (std::multiset<std::string>{"order.placed", "test.first_seen_later"}));
}

TEST_F(capitan_test, an_observer_with_a_whitelist_sees_only_the_listed_signals) {
  std::mutex m;
  std::multiset<std::string> seen;
  auto obs = inst().observe(
    [&](const capitan::event& e) {
      std::lock_guard g{m};
      seen.insert(e.signal().name());
    },
    {order_placed, payment_charged});
  inst().emit(order_placed);
  inst().emit(order_shipped);
  inst().emit(payment_charged);
  inst().drain();
  std::lock_guard g{m};
  EXPECT_EQ(seen, (std::multiset<std::string>{"order.placed", "payment.charged"}));
  EXPECT_EQ(inst().stats().dropped(order_shipped, capitan::drop_reason::no_listener), 1u);
}

TEST_F(capitan_test, closing_an_observer_stops_it_on_every_signal_and_on_future_ones) {
  std::atomic<int> calls{0};
  auto obs = inst().observe([&](const capitan::event&) { ++calls; });
  inst().emit(order_placed);
  inst().drain();
  obs.close();
  EXPECT_TRUE(obs.closed());
  inst().emit(order_placed);
  capitan::signal fresh{"test.after_observer_closed"};
  inst().emit(fresh);
  inst().drain();
  EXPECT_EQ(calls, 1);
}

TEST_F(capitan_test, observers_and_hooks_share_registration_order) {
  std::vector<std::string> order;
  auto a = inst().hook(order_placed, [&](const capitan::event&) { order.push_back("hook"); });
  auto o = inst().observe([&](const capitan::event&) { order.push_back("observer"); });
  auto b = inst().hook(order_placed, [&](const capitan::event&) { order.push_back("hook2"); });
  inst().emit(order_placed);
  inst().drain();
  EXPECT_EQ(order, (std::vector<std::string>{"hook", "observer", "hook2"}));
}
