// A real crash: a child process runs sagas on an embedded store and is SIGKILLed mid-step and
// mid-compensation, again and again; a new process recovers. Every saga ends Completed or
// Failed, every failed saga undid exactly what it did, and no effect was applied twice.

#include <map>
#include <random>
#include <set>

#include "../embedded/child_process.hpp"
#include "../embedded/scratch_dir.hpp"
#include "fixture.hpp"
#include "ledger.hpp"

using namespace ago_test;
using armada::testing_embedded::child_process;

TEST(ago_crash, sagas_killed_mid_step_and_mid_compensation_all_finish_and_apply_nothing_twice) {
  armada::testing_embedded::scratch_dir dir;
  auto store_path = (dir.path() / "sagas.mdb").string();
  auto ledger_path = (dir.path() / "ledger").string();
  constexpr int rounds = 6;
  constexpr int per_round = 150; // fresh sagas each round, so every kill lands in work
  constexpr int sagas = rounds * per_round;
  int skips = 0;             // effects a restarted process found already applied: kills landed mid-step
  int compensation_skips = 0; // … or mid-compensation
  auto note = [&](const std::string& line) {
    if (line.rfind("skip ", 0) == 0) {
      ++skips;
      if (line.find(":compensate:") != std::string::npos)
        ++compensation_skips;
    }
  };
  std::mt19937 rng{std::random_device{}()};
  int kills = 0;
  for (int round = 0; round < rounds; ++round) {
    child_process child{{AGO_CRASH_HELPER, store_path, ledger_path, std::to_string(round * per_round),
                         std::to_string(per_round)}};
    ASSERT_TRUE(child.running());
    std::optional<std::string> ready;
    do {
      ready = child.read_line(30s);
      ASSERT_TRUE(ready) << "the helper did not start";
      note(*ready); // resumed sagas may report before "ready"
    } while (ready->rfind("ready", 0) != 0);
    // Let it run for a random few milliseconds (reading what it reports), then kill it
    // wherever it is.
    auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds{std::uniform_int_distribution<int>{2, 40}(rng)};
    bool finished = false;
    while (!finished && std::chrono::steady_clock::now() < kill_at) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - std::chrono::steady_clock::now());
      auto line = child.read_line(std::max(left, 1ms));
      if (!line)
        break;
      note(*line);
      finished = *line == "all-done";
    }
    if (finished)
      continue; // this round's sagas all finished before the kill
    child.kill(SIGKILL);
    ++kills;
  }
  EXPECT_GE(kills, 3);
  RecordProperty("kills", kills);
  RecordProperty("mid_step_retries", skips);
  RecordProperty("mid_compensation_retries", compensation_skips);
  std::printf("kills %d, effects found applied on resume %d (of them compensations %d)\n", kills, skips,
              compensation_skips);
  {
    child_process last{{AGO_CRASH_HELPER, store_path, ledger_path, "0", std::to_string(sagas)}};
    std::optional<std::string> line;
    do {
      line = last.read_line(60s);
      ASSERT_TRUE(line) << "the last run did not finish";
      note(*line);
    } while (*line != "all-done");
    EXPECT_EQ(last.wait_exit(), 0);
  }
  EXPECT_GT(skips, 0) << "no kill landed between a handler's effect and the saga's log write";
  // Every saga is terminal: Completed, or Failed for the ones whose ship step fails.
  auto store = ago::make_embedded_store({.path = store_path, .fsync = false});
  ASSERT_TRUE(store) << describe(store.error());
  auto all = (*store)->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<std::size_t>(sagas));
  std::map<std::string, ago::saga_state> states;
  for (const auto& r : *all)
    states[r.id] = r.state;
  for (int i = 0; i < sagas; ++i) {
    auto id = "t-" + std::to_string(i);
    auto expected = i % 4 == 0 ? ago::saga_state::failed : ago::saga_state::completed;
    EXPECT_EQ(states[id], expected) << id;
  }
  // The ledger: each key at most once, and keys are deterministic (one per saga, step and
  // direction), so an effect applied twice would show up as two lines.
  std::map<std::string, int> seen;
  for (const auto& key : armada::testing_support::read_ledger(ledger_path))
    ++seen[key];
  for (const auto& [key, n] : seen)
    EXPECT_EQ(n, 1) << key << " applied " << n << " times";
  for (int i = 0; i < sagas; ++i) {
    auto id = "t-" + std::to_string(i);
    if (i % 4 == 0) {
      // Failed: what it did, it undid (debit and credit, each once), and it never shipped.
      for (const char* step : {"debit", "credit"}) {
        EXPECT_EQ(seen[id + ":" + step], 1) << id << " " << step;
        EXPECT_EQ(seen[id + ":compensate:" + step], 1) << id << " undo " << step;
      }
      EXPECT_EQ(seen.count(id + ":ship"), 0u) << id;
    } else {
      for (const char* step : {"debit", "credit", "ship"})
        EXPECT_EQ(seen[id + ":" + step], 1) << id << " " << step;
      EXPECT_EQ(seen.count(id + ":compensate:debit"), 0u) << id;
    }
  }
}
