#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "armada/aegis/node.hpp"
#include "armada/aegis/testing.hpp"
#include "armada/runtime/error.hpp"

using namespace armada::aegis;
using namespace std::chrono_literals;
using armada::describe;
namespace mt = armada::aegis::testing;

namespace {

vote_predicate reject_all(std::string why) {
  return [why](const member_info&, const std::vector<member_info>&) { return vote::reject(why); };
}

/// Failure detection slow enough that a voter blocked in its predicate is not declared dead.
void patient(node_options& o) {
  o.suspect_after = 5s;
  o.dead_after = 10s;
}

} // namespace

TEST(aegis_voting, a_lone_entry_node_approves_and_the_candidate_gets_the_table) {
  mt::mesh_fixture mesh;
  auto& a = mesh.add("a");
  auto& b = mesh.add("b");
  auto res = b.join(a.address());
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_EQ(res->size(), 2u);
}

TEST(aegis_voting, majority_approves_despite_one_no) {
  mt::mesh_fixture mesh;
  mesh.add_joined("a");
  mesh.add_joined("b");
  mesh.add_joined("c", [](node_options& o) { o.vote_predicates = {reject_all("grumpy")}; });
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& d = mesh.add("d");
  auto res = d.join(mesh.at(0).address());
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_TRUE(mesh.wait_converged(10s)) << "on approval every member learns the new member";
}

TEST(aegis_voting, a_majority_of_no_rejects_with_the_voters_reasons) {
  mt::mesh_fixture mesh;
  auto strict = [](node_options& o) { o.vote_predicates = {require_tag("db")}; };
  mesh.add_joined("a", strict);
  mesh.add_joined("b", [](node_options& o) {
    o.tags = {"db"};
    o.vote_predicates = {require_tag("db")};
  });
  mesh.add_joined("c", [](node_options& o) {
    o.tags = {"db"};
    o.vote_predicates = {require_tag("db")};
  });
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& d = mesh.add("d");
  auto res = d.join(mesh.at(0).address());
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::join_rejected);
  EXPECT_NE(describe(res.error()).find("missing required tag 'db'"), std::string::npos)
    << describe(res.error());
  EXPECT_EQ(mesh.at(1).state().live_count(), 3u) << "a rejected candidate is not a member";
}

TEST(aegis_voting, unanimous_rejects_on_a_single_no) {
  mt::mesh_fixture mesh;
  auto policy = [](node_options& o) { o.policy = vote_policy::unanimous; };
  mesh.add_joined("a", policy);
  mesh.add_joined("b", policy);
  mesh.add_joined("c", [](node_options& o) { o.vote_predicates = {max_members(3)}; });
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& d = mesh.add("d");
  auto res = d.join(mesh.at(0).address());
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::join_rejected);
  EXPECT_NE(describe(res.error()).find("mesh is full"), std::string::npos) << describe(res.error());
  EXPECT_NE(describe(res.error()).find("unanimous"), std::string::npos) << describe(res.error());
}

TEST(aegis_voting, a_veto_ends_the_vote_before_the_slow_voters_answer) {
  mt::mesh_fixture mesh;
  auto timeouts = [](node_options& o) {
    patient(o);
    o.vote_timeout = 3s;
  };
  mesh.add_joined("entry", timeouts);
  mesh.add_joined("slow", [&](node_options& o) {
    timeouts(o);
    o.vote_predicates = {[](const member_info& c, const std::vector<member_info>&) {
      if (c.name == "rogue")
        std::this_thread::sleep_for(2s); // a slow voter (simulated work in the predicate)
      return vote::approve();
    }};
  });
  mesh.add_joined("gatekeeper", [&](node_options& o) {
    timeouts(o);
    o.vote_predicates = {[](const member_info& c, const std::vector<member_info>&) {
      return c.name == "rogue" ? vote::veto("rogues are banned") : vote::approve();
    }};
  });
  ASSERT_TRUE(mesh.wait_converged(15s));
  auto& d = mesh.add("rogue");
  auto start = std::chrono::steady_clock::now();
  auto res = d.join(mesh.at(0).address());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res);
  EXPECT_NE(describe(res.error()).find("gatekeeper vetoed: rogues are banned"), std::string::npos)
    << describe(res.error());
  EXPECT_LT(took, 1500ms) << "the veto must not wait for the slow voter";
}

TEST(aegis_voting, a_voter_that_does_not_answer_in_time_counts_as_no) {
  mt::mesh_fixture mesh;
  auto stuck = [](node_options& o) {
    patient(o);
    o.vote_predicates = {[](const member_info&, const std::vector<member_info>&) {
      std::this_thread::sleep_for(1500ms); // longer than the entry's vote timeout
      return vote::approve();
    }};
  };
  mesh.add_joined("a", [](node_options& o) {
    patient(o);
    o.policy = vote_policy::unanimous;
    o.vote_timeout = 300ms;
  });
  mesh.add_joined("b", stuck);
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& d = mesh.add("d");
  auto res = d.join(mesh.at(0).address());
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::join_rejected);
  EXPECT_NE(describe(res.error()).find("no vote within 300 ms"), std::string::npos)
    << describe(res.error());
}

TEST(aegis_voting, a_vote_in_progress_is_listed_in_the_entry_nodes_state) {
  mt::mesh_fixture mesh;
  mesh.add_joined("a", [](node_options& o) {
    patient(o);
    o.vote_timeout = 3s;
  });
  mesh.add_joined("b", [](node_options& o) {
    patient(o);
    o.vote_predicates = {[](const member_info&, const std::vector<member_info>&) {
      std::this_thread::sleep_for(1s);
      return vote::reject("slow no");
    }};
  });
  ASSERT_TRUE(mesh.wait_converged(10s));
  auto& d = mesh.add("d");
  std::thread joiner{[&] { (void) d.join(mesh.at(0).address()); }};
  bool seen = mt::wait_until([&] {
    auto s = mesh.at(0).state();
    return s.pending_votes.size() == 1 && s.pending_votes[0].candidate.name == "d";
  }, 5s);
  joiner.join();
  EXPECT_TRUE(seen);
}
