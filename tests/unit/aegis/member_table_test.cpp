#include <gtest/gtest.h>

#include "armada/aegis/member.hpp"

using namespace armada::aegis;

namespace {

member_info member(std::string id, std::uint64_t inc = 1, member_status s = member_status::alive) {
  member_info m;
  m.id = id;
  m.name = "n-" + id;
  m.host = "127.0.0.1";
  m.port = 4000;
  m.incarnation = inc;
  m.status = static_cast<std::uint8_t>(s);
  return m;
}

} // namespace

TEST(aegis_member_table, a_new_member_is_added_and_reported_as_new) {
  member_table t{member("a")};
  auto c = t.merge(member("b"));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->before.id.empty());
  EXPECT_EQ(t.all().size(), 2u);
  EXPECT_EQ(t.live_peers().size(), 1u);
}

TEST(aegis_member_table, a_higher_incarnation_replaces_a_dead_entry) {
  member_table t{member("a")};
  t.merge(member("b", 1, member_status::dead));
  auto c = t.merge(member("b", 2, member_status::alive));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->before.state(), member_status::dead);
  EXPECT_EQ(t.find("b")->state(), member_status::alive);
}

TEST(aegis_member_table, stale_alive_gossip_does_not_revive_a_dead_member) {
  member_table t{member("a")};
  t.merge(member("b", 3, member_status::dead));
  EXPECT_FALSE(t.merge(member("b", 3, member_status::alive)));
  EXPECT_FALSE(t.merge(member("b", 2, member_status::alive)));
  EXPECT_EQ(t.find("b")->state(), member_status::dead);
}

TEST(aegis_member_table, suspicion_wins_over_alive_at_the_same_incarnation) {
  member_table t{member("a")};
  t.merge(member("b", 4));
  ASSERT_TRUE(t.merge(member("b", 4, member_status::suspect)));
  EXPECT_EQ(t.find("b")->state(), member_status::suspect);
}

TEST(aegis_member_table, the_node_refutes_a_claim_that_it_is_dead_with_a_higher_incarnation) {
  member_table t{member("a", 5)};
  auto c = t.merge(member("a", 5, member_status::dead));
  ASSERT_TRUE(c);
  EXPECT_EQ(t.self().incarnation, 6u);
  EXPECT_EQ(t.self().state(), member_status::alive);
  EXPECT_EQ(t.all().size(), 1u) << "a node never drops itself";
}

TEST(aegis_member_table, an_old_claim_about_the_node_is_ignored) {
  member_table t{member("a", 5)};
  EXPECT_FALSE(t.merge(member("a", 4, member_status::dead)));
  EXPECT_EQ(t.self().incarnation, 5u);
}

TEST(aegis_member_table, a_new_revision_carries_changed_rooms) {
  member_table t{member("a")};
  t.merge(member("b"));
  auto b = member("b");
  b.revision = 1;
  b.rooms = {"lobby"};
  ASSERT_TRUE(t.merge(b));
  EXPECT_TRUE(t.find("b")->in_room("lobby"));
}

TEST(aegis_member_table, local_marks_only_move_forward) {
  member_table t{member("a")};
  t.merge(member("b"));
  EXPECT_TRUE(t.mark("b", member_status::suspect));
  EXPECT_FALSE(t.mark("b", member_status::suspect));
  EXPECT_TRUE(t.mark("b", member_status::dead));
  EXPECT_FALSE(t.mark("b", member_status::suspect));
  EXPECT_FALSE(t.mark("a", member_status::dead)) << "the node itself cannot be marked";
}

TEST(aegis_member_table, two_tables_with_the_same_view_have_the_same_digest) {
  member_table a{member("a")};
  member_table b{member("b")};
  a.merge(member("b"));
  b.merge(member("a"));
  EXPECT_EQ(a.topology_digest(), b.topology_digest());
  a.mark("b", member_status::suspect);
  EXPECT_NE(a.topology_digest(), b.topology_digest());
}
