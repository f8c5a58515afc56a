#include <caf/config_value.hpp>
#include <caf/settings.hpp>

#include "armada/runtime/error.hpp"
#include "fixture.hpp"
#include "signals.hpp"

using namespace armada;
using namespace armada::test;
using cap_config = armada::capitan::config;
using capitan::glob_match;

TEST(capitan_glob, globs_match_star_question_and_classes) {
  EXPECT_TRUE(glob_match("order.*", "order.placed"));
  EXPECT_FALSE(glob_match("order.*", "payment.charged"));
  EXPECT_TRUE(glob_match("*.placed", "order.placed"));
  EXPECT_TRUE(glob_match("order.?laced", "order.placed"));
  EXPECT_TRUE(glob_match("order.[pq]laced", "order.placed"));
  EXPECT_FALSE(glob_match("order.[!p]laced", "order.placed"));
  EXPECT_TRUE(glob_match("*", ""));
}

TEST(capitan_config, exact_beats_glob_and_the_longer_glob_wins) {
  cap_config c;
  c.set("*", {.buffer_size = 1});
  c.set("order.*", {.buffer_size = 2});
  c.set("order.pl*", {.buffer_size = 3});
  c.set("order.placed", {.buffer_size = 4});
  EXPECT_EQ(c.match("order.placed")->buffer_size, 4);
  EXPECT_EQ(c.match("order.plotted")->buffer_size, 3);
  EXPECT_EQ(c.match("order.shipped")->buffer_size, 2);
  EXPECT_EQ(c.match("payment.charged")->buffer_size, 1);
}

TEST(capitan_config, an_unknown_signal_is_an_error_that_suggests_the_right_name) {
  (void)order_placed;
  cap_config c;
  c.set("order.placd", {.buffer_size = 8});
  auto err = c.validate();
  ASSERT_TRUE(err);
  auto text = describe(err);
  EXPECT_NE(text.find("unknown signal 'order.placd'"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'order.placed'"), std::string::npos) << text;
  EXPECT_FALSE(cap_config{}.strict(false).set("order.placd", {}).validate());
}

TEST(capitan_config, a_glob_that_does_not_parse_is_an_error_naming_the_position) {
  auto err = cap_config{}.set("order.[pl", {}).validate();
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("pattern 'order.[pl' does not parse"), std::string::npos) << describe(err);
}

TEST(capitan_config, a_negative_buffer_size_is_an_error_naming_the_entry) {
  auto err = cap_config{}.set("order.*", {.buffer_size = -1}).validate();
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("entry 'order.*': buffer-size must be at least 1 event, got -1"),
            std::string::npos)
    << describe(err);
}

TEST(capitan_config, settings_from_a_config_file_become_a_config) {
  caf::settings root;
  caf::settings entry;
  entry["buffer-size"] = caf::config_value{caf::config_value::integer{64}};
  entry["policy"] = caf::config_value{std::string{"drop_newest"}};
  entry["min-severity"] = caf::config_value{std::string{"warn"}};
  caf::settings signals;
  signals["order.*"] = caf::config_value{entry};
  caf::settings capitan_section;
  capitan_section["signals"] = caf::config_value{signals};
  root["capitan"] = caf::config_value{capitan_section};
  auto c = cap_config::from_settings(root);
  ASSERT_TRUE(c) << describe(c.error());
  auto m = c->match("order.placed");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->buffer_size, 64);
  EXPECT_EQ(m->policy, capitan::drop_policy::drop_newest);
  EXPECT_EQ(m->min_severity, capitan::severity::warn);
}

TEST(capitan_config, a_bad_value_in_settings_names_the_option) {
  caf::settings entry;
  entry["policy"] = caf::config_value{std::string{"drop_oldest"}};
  caf::settings signals;
  signals["order.*"] = caf::config_value{entry};
  caf::settings capitan_section;
  capitan_section["signals"] = caf::config_value{signals};
  caf::settings root;
  root["capitan"] = caf::config_value{capitan_section};
  auto c = cap_config::from_settings(root);
  ASSERT_FALSE(c);
  EXPECT_NE(describe(c.error()).find("capitan.signals.order.*.policy must be block or drop_newest"),
            std::string::npos)
    << describe(c.error());
}

TEST_F(capitan_test, applying_an_invalid_config_changes_nothing) {
  ASSERT_FALSE(inst().apply(cap_config{}.set("order.*", {.buffer_size = 7})));
  EXPECT_TRUE(inst().apply(cap_config{}.set("order.*", {.buffer_size = 0})));
  inst().emit(order_placed);
  EXPECT_EQ(inst().stats().find(order_placed)->buffer_size, 7);
}

TEST_F(capitan_test, applying_a_config_rebuilds_live_signals_without_losing_queued_events) {
  gate g;
  std::vector<std::int64_t> got;
  ASSERT_FALSE(inst().apply(cap_config{}.set("order.*", {.buffer_size = 10})));
  auto l = inst().hook(order_placed, [&](const capitan::event& e) {
    if (*seq.from(e) == 0)
      g.wait();
    got.push_back(*seq.from(e));
  });
  for (std::int64_t i = 0; i < 6; ++i)
    ASSERT_TRUE(inst().emit(order_placed, seq(i)).queued);
  ASSERT_TRUE(g.wait_for_arrivals(1));
  // Shrink the queue and switch to drop_newest while 5 events wait.
  ASSERT_FALSE(inst().apply(cap_config{}.set("order.placed", {.buffer_size = 2, .policy = capitan::drop_policy::drop_newest})));
  EXPECT_EQ(inst().emit(order_placed, seq(100)).dropped, capitan::drop_reason::queue_full);
  EXPECT_EQ(inst().stats().find(order_placed)->buffer_size, 2);
  g.open();
  inst().drain();
  EXPECT_EQ(got, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST_F(capitan_test, max_listeners_refuses_one_hook_too_many_with_a_clear_error) {
  ASSERT_FALSE(inst().apply(cap_config{}.set("order.placed", {.max_listeners = 1})));
  auto a = inst().hook(order_placed, [](const capitan::event&) {});
  try {
    inst().hook(order_placed, [](const capitan::event&) {});
    FAIL() << "the second hook was accepted";
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string{e.what()}.find("max-listeners = 1"), std::string::npos) << e.what();
  }
}

TEST(capitan_rate_limit, the_token_bucket_admits_burst_then_rate_over_manual_time) {
  auto clk = std::make_shared<manual_clock>();
  auto rt = runtime::start(std::make_unique<armada::config>());
  capitan::instance inst{rt->system(), {.sync = true, .clock = clk}};
  auto l = inst.hook(order_placed, [](const capitan::event&) {});
  ASSERT_FALSE(inst.apply(cap_config{}.set("order.placed", {.rate_limit = 10.0, .burst = 3})));
  int admitted = 0;
  for (int i = 0; i < 5; ++i)
    admitted += inst.emit(order_placed).queued ? 1 : 0;
  EXPECT_EQ(admitted, 3); // the burst
  clk->advance(std::chrono::milliseconds{100}); // one token at 10/s
  EXPECT_TRUE(inst.emit(order_placed).queued);
  EXPECT_FALSE(inst.emit(order_placed).queued);
  clk->advance(std::chrono::seconds{10}); // refills to the burst, not beyond
  admitted = 0;
  for (int i = 0; i < 5; ++i)
    admitted += inst.emit(order_placed).queued ? 1 : 0;
  EXPECT_EQ(admitted, 3);
  EXPECT_EQ(inst.stats().dropped(order_placed, capitan::drop_reason::rate_limit), 5u);
}
