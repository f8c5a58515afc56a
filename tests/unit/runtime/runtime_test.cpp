#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/thread_exit.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

using namespace armada;
using namespace std::chrono_literals;

TEST(uuid, random_ids_are_version_4_with_the_rfc_variant_and_distinct) {
  std::set<uuid> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = uuid::random();
    EXPECT_EQ(id.version(), 4);
    EXPECT_EQ(id.bytes()[8] & 0xC0, 0x80);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(uuid, the_text_form_round_trips_and_garbage_does_not_parse) {
  auto id = uuid::random();
  auto text = id.to_string();
  ASSERT_EQ(text.size(), 36u);
  EXPECT_EQ(uuid::parse(text), id);
  EXPECT_EQ(uuid::parse("not-a-uuid"), std::nullopt);
  EXPECT_EQ(uuid::parse("123e4567-e89b-12d3-a456-42661417400g"), std::nullopt);
  EXPECT_TRUE(uuid{}.is_nil());
}

TEST(manual_clock, timers_run_in_time_order_when_time_advances) {
  manual_clock clk;
  std::vector<int> fired;
  auto t0 = clk.now();
  clk.schedule(t0 + 30ms, [&] { fired.push_back(3); });
  clk.schedule(t0 + 10ms, [&] { fired.push_back(1); });
  auto cancelled = clk.schedule(t0 + 20ms, [&] { fired.push_back(2); });
  EXPECT_TRUE(clk.cancel(cancelled));
  clk.advance(15ms);
  EXPECT_EQ(fired, (std::vector<int>{1}));
  clk.advance(15ms);
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_EQ(clk.now(), t0 + 30ms);
  EXPECT_FALSE(clk.cancel(cancelled));
}

TEST(manual_clock, a_sleeper_wakes_when_time_reaches_its_deadline_or_when_stopped) {
  manual_clock clk;
  bool reached = false;
  std::jthread sleeper{[&] { reached = clk.sleep_for(1s); }};
  ASSERT_TRUE(clk.wait_for_waiters(1));
  clk.advance(999ms);
  EXPECT_EQ(clk.sleepers(), 1u);
  clk.advance(1ms);
  sleeper.join();
  EXPECT_TRUE(reached);

  std::stop_source stop;
  bool stopped_result = true;
  std::jthread stopped{[&] { stopped_result = clk.sleep_for(1h, stop.get_token()); }};
  ASSERT_TRUE(clk.wait_for_waiters(1));
  stop.request_stop();
  stopped.join();
  EXPECT_FALSE(stopped_result);
}

TEST(real_clock, a_scheduled_timer_runs_on_the_shared_timer_thread) {
  auto clk = real_clock::shared();
  std::mutex m;
  std::condition_variable cv;
  bool ran = false;
  clk->schedule(clk->now() + 1ms, [&] {
    std::lock_guard g{m};
    ran = true;
    cv.notify_all();
  });
  std::unique_lock lock{m};
  EXPECT_TRUE(cv.wait_for(lock, 5s, [&] { return ran; }));
}

TEST(real_clock, a_timer_scheduled_before_a_pending_later_one_fires_first_and_on_time) {
  real_clock clk;
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> fired;
  clk.schedule(clk.now() + 10s, [&] {
    std::lock_guard g{m};
    fired.push_back(2);
    cv.notify_all();
  });
  auto scheduled = std::chrono::steady_clock::now();
  clk.schedule(clk.now() + 5ms, [&] {
    std::lock_guard g{m};
    fired.push_back(1);
    cv.notify_all();
  });
  std::unique_lock lock{m};
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return !fired.empty(); })); // not after the 10 s timer
  EXPECT_EQ(fired, (std::vector<int>{1}));
  EXPECT_LT(std::chrono::steady_clock::now() - scheduled, 5s);
}

TEST(fast_wall_now, stays_within_a_few_microseconds_of_the_system_clock_on_every_thread) {
  // Long enough for the counter's rate to be measured (10 ms) and for several re-anchors
  // (every 200 µs), on two threads at once.
  auto check = [] {
    std::int64_t worst_ns = 0;
    auto until = std::chrono::steady_clock::now() + 50ms;
    while (std::chrono::steady_clock::now() < until) {
      auto before = std::chrono::system_clock::now();
      auto fast = fast_wall_now();
      auto after = std::chrono::system_clock::now();
      auto off = fast < before ? before - fast : fast > after ? fast - after : 0ns;
      worst_ns = std::max<std::int64_t>(worst_ns, std::chrono::duration_cast<std::chrono::nanoseconds>(off).count());
    }
    return worst_ns;
  };
  std::int64_t other = 0;
  std::thread t{[&] { other = check(); }};
  auto here = check();
  t.join();
  EXPECT_LT(here, 5000) << "ns outside [system_clock before, after]";
  EXPECT_LT(other, 5000) << "ns outside [system_clock before, after], second thread";
}

TEST(config, environment_variables_map_to_dotted_options) {
  std::string a = "ARMADA_SCHEDULER__MAX_THREADS=3";
  std::string b = "ARMADA_CAPITAN__BUFFER_SIZE=32";
  std::string c = "PATH=/usr/bin";
  char* env[] = {a.data(), b.data(), c.data(), nullptr};
  auto args = environment_arguments(env);
  EXPECT_EQ(args, (std::vector<std::string>{"--scheduler.max-threads=3", "--capitan.buffer-size=32"}));
}

TEST(config, the_command_line_and_environment_set_armada_options) {
  setenv("ARMADA_CAPITAN__BUFFER_SIZE", "32", 1);
  setenv("ARMADA_CAPITAN__SYNC", "true", 1);
  config cfg;
  ASSERT_FALSE(cfg.load(std::vector<std::string>{}));
  EXPECT_EQ(cfg.capitan_buffer_size, 32);
  EXPECT_TRUE(cfg.capitan_sync);
  config cli_wins;
  ASSERT_FALSE(cli_wins.load({"--capitan.buffer-size=8"}));
  EXPECT_EQ(cli_wins.capitan_buffer_size, 8);
  unsetenv("ARMADA_CAPITAN__BUFFER_SIZE");
  unsetenv("ARMADA_CAPITAN__SYNC");
}

TEST(config, a_bad_option_value_is_an_error_not_a_crash) {
  config cfg;
  auto err = cfg.load({"--capitan.buffer-size=-4"});
  ASSERT_TRUE(err);
  EXPECT_NE(describe(err).find("capitan.buffer-size must be a positive number"), std::string::npos)
    << describe(err);
}

TEST(config, an_unknown_option_is_an_error_that_names_it) {
  config cfg;
  auto err = cfg.load({"--capitan.bufer-size=4"});
  ASSERT_TRUE(err) << "an unknown option was accepted";
  EXPECT_NE(describe(err).find("'--capitan.bufer-size=4'"), std::string::npos) << describe(err);
}

TEST(runtime, start_brings_up_an_actor_system_with_the_parsed_configuration) {
  char prog[] = "armada-test";
  char opt[] = "--capitan.buffer-size=64";
  char* argv[] = {prog, opt, nullptr};
  auto rt = runtime::start(2, argv);
  ASSERT_TRUE(rt) << describe(rt.error());
  EXPECT_EQ((*rt)->cfg().capitan_buffer_size, 64);
  EXPECT_GT((*rt)->system().scheduler().num_workers(), 0u);
}

namespace {

std::mutex exits_mtx;
std::map<std::thread::id, int> exits; // thread -> calls of note_exit

void note_exit() {
  std::lock_guard guard{exits_mtx};
  ++exits[std::this_thread::get_id()];
}

} // namespace

TEST(at_actor_thread_exit, runs_once_on_a_detached_actors_thread_before_the_actor_system_lets_it_go) {
  ASSERT_TRUE(at_actor_thread_exit(&note_exit));
  ASSERT_TRUE(at_actor_thread_exit(&note_exit)); // registered twice: runs once
  std::promise<std::thread::id> ran_on;
  {
    auto rt = runtime::start(std::make_unique<config>());
    // The promise is passed as an argument: CAF 0.17 dereferences a null argument tuple when a
    // function-based actor takes none (UBSan).
    rt->system().spawn<caf::detached>(
      [](caf::event_based_actor* self, std::promise<std::thread::id>* ran) {
        ran->set_value(std::this_thread::get_id());
        self->quit();
      },
      &ran_on);
  } // the actor system's destructor waits for its detached threads
  auto thread = ran_on.get_future().get();
  std::lock_guard guard{exits_mtx};
  auto i = exits.find(thread);
  ASSERT_NE(i, exits.end()) << "the exit functions had not run on the detached actor's thread when the actor system let it go";
  EXPECT_EQ(i->second, 1);
}
