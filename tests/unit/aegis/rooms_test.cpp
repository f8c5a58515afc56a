#include <chrono>
#include <mutex>

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

/// Collects the room messages one node's handler receives.
struct inbox {
  std::mutex mtx;
  std::vector<room_message> got;
  void attach(node& n, const std::string& room) {
    n.on_room_message(room, [this](const room_message& m) {
      std::lock_guard g{mtx};
      got.push_back(m);
    });
  }
  std::size_t size() {
    std::lock_guard g{mtx};
    return got.size();
  }
};

bool room_has(node& n, const std::string& room, std::size_t count) {
  return mt::wait_until([&] { return n.room_members(room).size() == count; }, 5s);
}

/// Node `members[0]` creates `room`, the others join it; true once every node of the mesh
/// sees all of them in it.
::testing::AssertionResult open_room(mt::mesh_fixture& mesh, const std::string& room,
                                     const std::vector<std::size_t>& members) {
  if (auto err = mesh.at(members[0]).create_room(room))
    return ::testing::AssertionFailure() << describe(err);
  for (std::size_t i = 1; i < members.size(); ++i) {
    auto& n = mesh.at(members[i]);
    if (!mt::wait_until([&] { return !n.state().rooms.empty(); }, 5s))
      return ::testing::AssertionFailure() << n.name() << " never heard of room " << room;
    if (auto err = n.join_room(room))
      return ::testing::AssertionFailure() << describe(err);
  }
  for (std::size_t i = 0; i < mesh.size(); ++i)
    if (!room_has(mesh.at(i), room, members.size()))
      return ::testing::AssertionFailure() << mesh.at(i).name() << " does not see every member";
  return ::testing::AssertionSuccess();
}

} // namespace

TEST(aegis_rooms, a_broadcast_reaches_exactly_the_members) {
  mt::mesh_fixture mesh;
  mesh.add_many(4);
  ASSERT_TRUE(mesh.wait_converged(10s));
  inbox boxes[4];
  for (int i = 0; i < 4; ++i)
    boxes[i].attach(mesh.at(i), "lobby");
  ASSERT_TRUE(open_room(mesh, "lobby", {0, 1, 2}));
  armada::testing::event_capture events{mesh.at(2).events(), signals::room_message};
  auto sent = mesh.at(3).broadcast("lobby", "hello");
  ASSERT_TRUE(sent) << describe(sent.error());
  EXPECT_EQ(*sent, 3u);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(mt::wait_until([&] { return boxes[i].size() == 1; }, 5s)) << i;
  ASSERT_TRUE(events.wait_for_count(1, 5s));
  EXPECT_EQ(signals::payload.from(events.events()[0]), "hello");
  EXPECT_EQ(signals::member_name.from(events.events()[0]), mesh.at(3).name());
  // Exactly: one more broadcast, and the non-member (node-3) still has nothing, nobody has two.
  ASSERT_TRUE(mesh.at(0).broadcast("lobby", "again"));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(mt::wait_until([&] { return boxes[i].size() == 2; }, 5s)) << i;
  EXPECT_EQ(boxes[3].size(), 0u);
  EXPECT_EQ(boxes[1].got[0].payload, "hello");
}

TEST(aegis_rooms, a_room_outlives_the_node_that_created_it) {
  mt::mesh_fixture mesh;
  mesh.add_many(3);
  ASSERT_TRUE(mesh.wait_converged(10s));
  ASSERT_TRUE(open_room(mesh, "ops", {0, 1, 2}));
  inbox box;
  box.attach(mesh.at(2), "ops");
  mesh.stop("node-0");
  ASSERT_TRUE(room_has(mesh.at(1), "ops", 2));
  auto sent = mesh.at(1).broadcast("ops", "still here");
  ASSERT_TRUE(sent) << describe(sent.error());
  EXPECT_EQ(*sent, 2u);
  EXPECT_TRUE(mt::wait_until([&] { return box.size() == 1; }, 5s));
}

TEST(aegis_rooms, a_dead_member_leaves_its_rooms) {
  mt::mesh_fixture mesh;
  mesh.add_many(3);
  ASSERT_TRUE(mesh.wait_converged(10s));
  ASSERT_TRUE(open_room(mesh, "chat", {0, 2}));
  mesh.crash("node-2");
  EXPECT_TRUE(room_has(mesh.at(0), "chat", 1));
  EXPECT_TRUE(room_has(mesh.at(1), "chat", 1));
}

TEST(aegis_rooms, leaving_a_room_stops_delivery) {
  mt::mesh_fixture mesh;
  mesh.add_many(2);
  ASSERT_TRUE(mesh.wait_converged(10s));
  ASSERT_TRUE(open_room(mesh, "news", {0, 1}));
  ASSERT_FALSE(mesh.at(1).leave_room("news"));
  ASSERT_TRUE(room_has(mesh.at(0), "news", 1));
  auto sent = mesh.at(0).broadcast("news", "x");
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 1u);
}

TEST(aegis_rooms, joining_a_room_nobody_created_is_an_unknown_room_error) {
  mt::mesh_fixture mesh;
  mesh.add_many(1);
  auto err = mesh.at(0).join_room("ghost");
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), errc::unknown_room);
  EXPECT_NE(describe(err).find("create_room"), std::string::npos) << describe(err);
  auto sent = mesh.at(0).broadcast("ghost", "x");
  ASSERT_FALSE(sent);
  EXPECT_EQ(code_of(sent.error()), errc::unknown_room);
}
