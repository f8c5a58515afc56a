#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <caf/send.hpp>
#include <gtest/gtest.h>

#include "armada/aegis/node.hpp"
#include "armada/aegis/signals.hpp"
#include "armada/aegis/testing.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing/event_capture.hpp"

using namespace armada::aegis;
using namespace std::chrono_literals;
using armada::describe;
namespace mt = armada::aegis::testing;

namespace {

std::optional<member_status> status_of(node& observer, const std::string& id) {
  for (auto& m : observer.state().members)
    if (m.id == id)
      return m.state();
  return std::nullopt;
}

} // namespace

TEST(aegis_membership, five_nodes_converge_to_the_same_member_table) {
  mt::mesh_fixture mesh;
  mesh.add_many(5);
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto reference = mesh.at(0).state();
  EXPECT_EQ(reference.live_count(), 5u);
  for (std::size_t i = 1; i < mesh.size(); ++i) {
    auto s = mesh.at(i).state();
    EXPECT_EQ(s.topology_digest, reference.topology_digest) << mesh.at(i).name();
    ASSERT_EQ(s.members.size(), reference.members.size());
    for (std::size_t j = 0; j < s.members.size(); ++j) {
      EXPECT_EQ(s.members[j].id, reference.members[j].id);
      EXPECT_EQ(s.members[j].incarnation, reference.members[j].incarnation);
    }
  }
}

TEST(aegis_membership, each_pair_of_nodes_shares_one_connection) {
  mt::mesh_fixture mesh;
  mesh.add_many(4);
  ASSERT_TRUE(mesh.wait_converged(10s));
  // Exactly one side of every pair opened the connection; the other adopted it.
  std::map<std::pair<std::string, std::string>, int> openers;
  for (std::size_t i = 0; i < mesh.size(); ++i) {
    auto s = mesh.at(i).state();
    EXPECT_EQ(s.peers.size(), 3u) << mesh.at(i).name();
    for (auto& p : s.peers) {
      EXPECT_TRUE(p.connected);
      auto key = std::minmax(s.self.id, p.id);
      openers[{key.first, key.second}] += p.adopted ? 0 : 1;
    }
  }
  EXPECT_EQ(openers.size(), 6u);
  for (auto& [pair, n] : openers)
    EXPECT_EQ(n, 1) << pair.first << " / " << pair.second;
}

TEST(aegis_membership, every_member_learns_a_joiner_through_one_entry_node) {
  mt::mesh_fixture mesh;
  mesh.add_many(3);
  ASSERT_TRUE(mesh.wait_converged(10s));
  armada::testing::event_capture joined{mesh.at(2).events(), signals::member_joined};
  auto& d = mesh.add("late");
  ASSERT_TRUE(d.join(mesh.at(1).address())) << "any member can be the entry point";
  ASSERT_TRUE(joined.wait_for_count(1, 5s));
  EXPECT_EQ(signals::member_name.from(joined.events()[0]), "late");
  EXPECT_TRUE(mesh.wait_converged(10s));
}

TEST(aegis_membership, a_crashed_node_becomes_suspect_then_dead_on_every_survivor_within_dead_after) {
  mt::mesh_fixture mesh;
  mesh.add_many(4);
  ASSERT_TRUE(mesh.wait_converged(10s));
  std::vector<std::unique_ptr<armada::testing::event_capture>> dead;
  for (std::size_t i = 0; i < 3; ++i)
    dead.push_back(std::make_unique<armada::testing::event_capture>(mesh.at(i).events(),
                                                                    signals::member_dead));
  auto victim = mesh.at(3).id();
  auto start = std::chrono::steady_clock::now();
  mesh.crash("node-3");
  for (auto& d : dead) {
    ASSERT_TRUE(d->wait_for_count(1, 5s));
    EXPECT_EQ(signals::member_id.from(d->events()[0]), victim);
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, mt::fast_options().dead_after + 500ms);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(status_of(mesh.at(i), victim), member_status::dead);
  EXPECT_TRUE(mesh.wait_converged(5s));
}

TEST(aegis_membership, a_graceful_leave_is_seen_as_left_not_dead) {
  mt::mesh_fixture mesh;
  mesh.add_many(3);
  ASSERT_TRUE(mesh.wait_converged(10s));
  armada::testing::event_capture left{mesh.at(0).events(), signals::member_left};
  armada::testing::event_capture dead{mesh.at(0).events(), signals::member_dead};
  auto id = mesh.at(2).id();
  mesh.stop("node-2");
  ASSERT_TRUE(left.wait_for_count(1, 5s));
  EXPECT_EQ(signals::member_id.from(left.events()[0]), id);
  EXPECT_EQ(status_of(mesh.at(1), id), member_status::left);
  EXPECT_TRUE(mesh.wait_converged(5s));
  EXPECT_EQ(dead.count(), 0u);
}

TEST(aegis_membership, topology_changed_reports_the_live_count) {
  mt::mesh_fixture mesh;
  auto& a = mesh.add_joined("a");
  armada::testing::event_capture topo{a.events(), signals::topology_changed};
  mesh.add_joined("b");
  ASSERT_TRUE(topo.wait_for_count(1, 5s));
  EXPECT_EQ(signals::members.from(topo.events()[0]), 2u);
}

TEST(aegis_membership, a_node_declared_dead_comes_back_with_a_higher_incarnation) {
  mt::mesh_fixture mesh;
  mesh.add_many(2);
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& a = mesh.at(0);
  auto& b = mesh.at(1);
  auto before = b.state().self.incarnation;
  // Gossip that b is dead reaches b itself: b refutes it.
  member_info claim = b.state().self;
  claim.status = static_cast<std::uint8_t>(member_status::dead);
  caf::anon_send(b.actor(), gossip_atom::value, a.id(), std::vector<member_info>{claim},
                 std::vector<std::string>{});
  ASSERT_TRUE(mt::wait_until([&] { return b.state().self.incarnation > before; }, 5s));
  ASSERT_TRUE(mt::wait_until([&] {
    for (auto& m : a.state().members)
      if (m.id == b.id())
        return m.incarnation > before && m.state() == member_status::alive;
    return false;
  }, 5s));
}

TEST(aegis_membership, a_node_joining_with_the_id_of_a_live_member_is_rejected_and_the_member_stays) {
  mt::mesh_fixture mesh;
  mesh.add_joined("a");
  auto& b = mesh.add_joined("b");
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& impostor = mesh.add("impostor", [&](node_options& o) {
    o.id = b.id();
    o.incarnation = 100; // outbids b's entry, were it merged
  });
  for (auto* entry : {&mesh.at(0), &b}) {
    auto res = impostor.join(entry->address());
    ASSERT_FALSE(res) << "through " << entry->name();
    EXPECT_EQ(code_of(res.error()), errc::join_rejected);
    EXPECT_NE(describe(res.error()).find("already has id"), std::string::npos) << describe(res.error());
  }
  for (auto* observer : {&mesh.at(0), &b}) {
    auto st = observer->state();
    auto m = std::find_if(st.members.begin(), st.members.end(),
                          [&](const member_info& x) { return x.id == b.id(); });
    ASSERT_NE(m, st.members.end());
    EXPECT_EQ(m->port, b.port()) << observer->name() << " still has b at b's address";
    EXPECT_EQ(m->name, "b");
    EXPECT_TRUE(m->is_live());
    EXPECT_EQ(st.members.size(), 2u) << observer->name();
  }
}
