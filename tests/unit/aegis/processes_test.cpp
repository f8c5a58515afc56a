// Multi-process tests: nodes run as `armada-mesh node` child processes on 127.0.0.1.

#include <signal.h>

#include <chrono>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "armada/aegis.hpp"
#include "armada/runtime/error.hpp"
#include "raw_connection.hpp"

using namespace armada::aegis;
using namespace std::chrono_literals;
using armada::describe;
namespace mt = armada::aegis::testing;

namespace {

struct child {
  std::unique_ptr<mt::process> proc;
  std::string name;
  std::uint16_t port = 0;
  std::string id;
};

/// A cluster of `armada-mesh node` processes; the first one is the entry point.
class process_cluster {
public:
  /// Starts `n` nodes with extra node arguments; false when one did not start or join.
  ::testing::AssertionResult start(int n, std::vector<std::string> extra = {}) {
    for (int i = 0; i < n; ++i) {
      child c;
      c.name = "proc-" + std::to_string(i);
      std::vector<std::string> argv{AEGIS_MESH_PROGRAM, "node", "--name", c.name};
      argv.insert(argv.end(), extra.begin(), extra.end());
      if (!children.empty()) {
        argv.push_back("--join");
        argv.push_back("127.0.0.1:" + std::to_string(children.front().port));
      }
      c.proc = std::make_unique<mt::process>(argv);
      auto line = c.proc->wait_for_line("listening ", 10s);
      if (!line)
        return ::testing::AssertionFailure() << c.name << " did not start";
      // "listening 127.0.0.1:PORT ID"
      auto colon = line->find(':');
      auto space = line->find(' ', colon);
      c.port = static_cast<std::uint16_t>(std::stoi(line->substr(colon + 1, space - colon - 1)));
      c.id = line->substr(space + 1);
      if (!children.empty() && !c.proc->wait_for_line("joined ", 10s))
        return ::testing::AssertionFailure() << c.name << " did not join";
      children.push_back(std::move(c));
    }
    return ::testing::AssertionSuccess();
  }

  std::optional<node_state> state(std::size_t i) {
    auto s = insp.state("127.0.0.1", children[i].port, 2s);
    if (!s)
      return std::nullopt;
    return std::move(*s);
  }

  std::optional<member_status> status(std::size_t observer, const std::string& id) {
    auto s = state(observer);
    if (!s)
      return std::nullopt;
    for (auto& m : s->members)
      if (m.id == id)
        return m.state();
    return std::nullopt;
  }

  /// Every listed node sees exactly `alive` alive members and the same digest.
  bool agree(const std::vector<std::size_t>& nodes, std::size_t alive) {
    std::optional<std::uint64_t> digest;
    for (auto i : nodes) {
      auto s = state(i);
      if (!s)
        return false;
      std::size_t n = 0;
      for (auto& m : s->members)
        n += m.state() == member_status::alive ? 1 : 0;
      if (n != alive || (digest && *digest != s->topology_digest))
        return false;
      digest = s->topology_digest;
    }
    return true;
  }

  std::vector<child> children;
  inspector insp;
};

} // namespace

TEST(aegis_processes, five_node_processes_converge_to_the_same_member_table) {
  process_cluster c;
  ASSERT_TRUE(c.start(5));
  EXPECT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2, 3, 4}, 5); }, 10s));
}

TEST(aegis_processes, a_sigkilled_process_is_seen_dead_by_every_survivor_within_the_timeout) {
  process_cluster c;
  ASSERT_TRUE(c.start(4, {"--suspect-ms", "500", "--dead-ms", "1500"}));
  ASSERT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2, 3}, 4); }, 10s));
  auto victim = c.children[3].id;
  auto start = std::chrono::steady_clock::now();
  c.children[3].proc->stop(SIGKILL);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.children[i].proc->wait_for_line("event mesh.member_dead proc-3", 5s))
      << c.children[i].name << " did not report proc-3 dead";
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 1500ms + 500ms) << "detection must come within dead-ms (plus scheduling slack)";
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(c.status(i, victim), member_status::dead) << c.children[i].name;
  EXPECT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2}, 3); }, 5s));
}

TEST(aegis_processes, a_paused_process_becomes_suspect_and_comes_back_when_resumed) {
  process_cluster c;
  ASSERT_TRUE(c.start(3, {"--heartbeat-ms", "100", "--suspect-ms", "400", "--dead-ms", "6000"}));
  ASSERT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2}, 3); }, 10s));
  auto paused = c.children[2].id;
  c.children[2].proc->signal(SIGSTOP);
  EXPECT_TRUE(mt::wait_until([&] {
    return c.status(0, paused) == member_status::suspect && c.status(1, paused) == member_status::suspect;
  }, 5s));
  c.children[2].proc->signal(SIGCONT);
  EXPECT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2}, 3); }, 10s))
    << "the resumed node refutes the suspicion with a higher incarnation";
  auto s = c.state(0);
  ASSERT_TRUE(s);
  for (auto& m : s->members) {
    if (m.id == paused) {
      EXPECT_GT(m.incarnation, 1u);
    }
  }
}

TEST(aegis_processes, an_in_process_node_calls_a_function_in_another_process) {
  process_cluster c;
  ASSERT_TRUE(c.start(2));
  auto n = node::start(mt::fast_options("tester"));
  ASSERT_TRUE(n) << describe(n.error());
  auto joined = (*n)->join("127.0.0.1", c.children[0].port);
  ASSERT_TRUE(joined) << describe(joined.error());
  auto who = (*n)->execute_raw("proc-1", "whoami", "");
  ASSERT_TRUE(who) << describe(who.error());
  EXPECT_EQ(*who, "proc-1");
  auto missing = (*n)->execute_raw("proc-1", "nope", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(code_of(missing.error()), errc::unknown_function) << "typed errors cross processes";
}

TEST(aegis_processes, a_process_paused_past_the_dead_timeout_is_dead_then_rejoins_when_resumed) {
  process_cluster c;
  ASSERT_TRUE(c.start(3, {"--heartbeat-ms", "100", "--suspect-ms", "300", "--dead-ms", "900"}));
  ASSERT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2}, 3); }, 10s));
  auto paused = c.children[2].id;
  auto start = std::chrono::steady_clock::now();
  c.children[2].proc->signal(SIGSTOP); // its connections stay open: only heartbeats tell
  ASSERT_TRUE(mt::wait_until([&] {
    return c.status(0, paused) == member_status::dead && c.status(1, paused) == member_status::dead;
  }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms + 600ms);
  c.children[2].proc->signal(SIGCONT);
  EXPECT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2}, 3); }, 10s))
    << "a node declared dead comes back with a higher incarnation";
}

TEST(aegis_processes, the_lowest_id_paused_past_the_dead_timeout_rejoins_and_the_mesh_stays_whole) {
  // The node with the lowest id opened the connection to every other node; the others only wait
  // for its hello. Declared dead while paused, it comes back still holding those connections:
  // the mesh must take it back and then stay whole (it once split for good, one node alone).
  process_cluster c;
  ASSERT_TRUE(c.start(4, {"--heartbeat-ms", "100", "--suspect-ms", "300", "--dead-ms", "900"}));
  ASSERT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2, 3}, 4); }, 10s));
  std::size_t low = 0;
  for (std::size_t i = 1; i < c.children.size(); ++i)
    if (c.children[i].id < c.children[low].id)
      low = i;
  std::vector<std::size_t> others;
  for (std::size_t i = 0; i < c.children.size(); ++i)
    if (i != low)
      others.push_back(i);
  auto paused = c.children[low].id;
  c.children[low].proc->signal(SIGSTOP);
  ASSERT_TRUE(mt::wait_until([&] {
    for (auto i : others)
      if (c.status(i, paused) != member_status::dead)
        return false;
    return true;
  }, 5s));
  ASSERT_TRUE(mt::wait_until([&] { return c.agree(others, 3); }, 5s));
  c.children[low].proc->signal(SIGCONT);
  EXPECT_TRUE(mt::wait_until([&] { return c.agree({0, 1, 2, 3}, 4); }, 10s))
    << c.children[low].name << " comes back with a higher incarnation";
  EXPECT_TRUE(mt::holds_for([&] { return c.agree({0, 1, 2, 3}, 4); }, 3s))
    << "after taking the resumed node back the mesh must not split again";
  for (auto i : others) {
    auto s = c.state(i);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->connected.size(), 3u) << c.children[i].name << " holds a connection to every member";
  }
}

TEST(aegis_processes, inspecting_a_paused_node_times_out_with_an_error_naming_the_cause) {
  process_cluster c;
  ASSERT_TRUE(c.start(1));
  ASSERT_TRUE(c.children[0].proc->pause()); // stopped; the kernel still accepts the connection
  inspector fresh;                      // not connected yet: the handshake itself must time out
  auto start = std::chrono::steady_clock::now();
  auto s = fresh.state("127.0.0.1", c.children[0].port, 500ms);
  auto took = std::chrono::steady_clock::now() - start;
  c.children[0].proc->signal(SIGCONT);
  ASSERT_FALSE(s) << "a paused node cannot answer";
  EXPECT_EQ(code_of(s.error()), errc::timeout);
  EXPECT_NE(describe(s.error()).find("paused"), std::string::npos) << describe(s.error());
  EXPECT_LT(took, 3s) << "the inspector must not hang on a node that never answers";
  EXPECT_TRUE(fresh.state("127.0.0.1", c.children[0].port, 2s)) << "and reaches it once resumed";
}

TEST(aegis_processes, a_node_process_survives_garbage_oversized_frames_and_half_frames) {
  process_cluster c;
  ASSERT_TRUE(c.start(2));
  ASSERT_TRUE(mt::wait_until([&] { return c.agree({0, 1}, 2); }, 10s));
  auto port = c.children[1].port;
  mt::raw_connection loris{port};
  ASSERT_GE(loris.fd, 0);
  loris.send(mt::huge_basp_header().substr(0, 16)); // half a header, then silence
  for (auto& [what, bytes] : {std::pair{"garbage", mt::garbage(64 * 1024)},
                              {"a BASP header announcing 4 GiB", mt::huge_basp_header()}}) {
    mt::raw_connection raw{port};
    ASSERT_GE(raw.fd, 0);
    raw.send(bytes);
    EXPECT_TRUE(raw.closed_by_node()) << what;
  }
  // The process still answers (the inspector is a BASP client) and a third process joins it.
  ASSERT_TRUE(c.state(1)) << "proc-1 no longer answers";
  child third;
  third.proc = std::make_unique<mt::process>(std::vector<std::string>{
    AEGIS_MESH_PROGRAM, "node", "--name", "proc-2", "--join", "127.0.0.1:" + std::to_string(port)});
  EXPECT_TRUE(third.proc->wait_for_line("joined ", 10s)) << "joining through proc-1 failed";
  EXPECT_TRUE(mt::wait_until([&] { return c.agree({0, 1}, 3); }, 10s));
  EXPECT_TRUE(loris.closed_by_node()) << "a half handshake is closed after the connect timeout";
}
