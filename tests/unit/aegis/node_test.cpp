#include <gtest/gtest.h>

#include "armada/aegis/node.hpp"
#include "armada/aegis/testing.hpp"
#include "armada/runtime/error.hpp"
#include "raw_connection.hpp"

using namespace armada::aegis;
using armada::describe;
namespace mt = armada::aegis::testing;

TEST(aegis_node, start_without_a_name_is_a_config_error_naming_the_option) {
  node_options o;
  auto n = node::start(o);
  ASSERT_FALSE(n);
  EXPECT_EQ(code_of(n.error()), errc::config);
  EXPECT_NE(describe(n.error()).find("name"), std::string::npos) << describe(n.error());
}

TEST(aegis_node, start_rejects_dead_after_shorter_than_suspect_after) {
  auto o = mt::fast_options("a");
  o.dead_after = o.suspect_after;
  auto n = node::start(o);
  ASSERT_FALSE(n);
  EXPECT_NE(describe(n.error()).find("dead_after"), std::string::npos) << describe(n.error());
}

TEST(aegis_node, port_zero_picks_a_free_port_and_reports_it) {
  auto n = node::start(mt::fast_options("a"));
  ASSERT_TRUE(n) << describe(n.error());
  EXPECT_NE((*n)->port(), 0);
  EXPECT_EQ((*n)->address(), "127.0.0.1:" + std::to_string((*n)->port()));
  auto s = (*n)->state();
  EXPECT_EQ(s.self.id, (*n)->id());
  EXPECT_EQ(s.members.size(), 1u);
}

TEST(aegis_node, a_taken_port_is_a_network_error_naming_the_address) {
  auto a = node::start(mt::fast_options("a"));
  ASSERT_TRUE(a);
  auto o = mt::fast_options("b");
  o.port = (*a)->port();
  auto b = node::start(o);
  ASSERT_FALSE(b);
  EXPECT_EQ(code_of(b.error()), errc::network);
  EXPECT_NE(describe(b.error()).find(std::to_string(o.port)), std::string::npos);
}

TEST(aegis_node, joining_an_address_where_nothing_listens_is_a_network_error) {
  auto a = node::start(mt::fast_options("a"));
  ASSERT_TRUE(a);
  auto res = (*a)->join("127.0.0.1", 1);
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::network);
  EXPECT_NE(describe(res.error()).find("127.0.0.1:1"), std::string::npos) << describe(res.error());
}

TEST(aegis_node, a_malformed_address_is_a_config_error) {
  auto a = node::start(mt::fast_options("a"));
  ASSERT_TRUE(a);
  auto res = (*a)->join("localhost");
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::config);
}

TEST(aegis_node, get_state_lists_functions_rooms_and_members) {
  mt::mesh_fixture mesh;
  mesh.add_many(2);
  mesh.at(0).register_raw("echo", [](const call_request& c) -> caf::expected<std::string> { return c.payload; });
  ASSERT_FALSE(mesh.at(0).create_room("lobby"));
  auto s = mesh.at(0).state();
  EXPECT_EQ(s.functions, std::vector<std::string>{"echo"});
  ASSERT_EQ(s.rooms.size(), 1u);
  EXPECT_EQ(s.rooms[0].name, "lobby");
  EXPECT_EQ(s.rooms[0].members, std::vector<std::string>{mesh.at(0).id()});
  EXPECT_EQ(s.live_count(), 2u);
  EXPECT_TRUE(s.pending_votes.empty());
}

TEST(aegis_node, garbage_bytes_on_the_port_close_that_connection_and_the_node_keeps_serving) {
  mt::mesh_fixture mesh;
  mesh.add_many(2);
  ASSERT_TRUE(mesh.wait_converged(std::chrono::seconds{10}));
  mesh.at(1).register_function<int, int>("twice", [](int x) { return 2 * x; });
  mt::raw_connection raw{mesh.at(1).port()};
  ASSERT_GE(raw.fd, 0);
  raw.send(mt::garbage(64 * 1024));
  // The node greets with its handshake, then closes the connection.
  EXPECT_TRUE(raw.closed_by_node()) << "the node should close a connection that sends garbage";
  EXPECT_TRUE(mesh.converged()) << "the mesh is unaffected";
  auto res = mesh.at(0).execute_on<int>(mesh.at(1).name(), "twice", 21);
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_EQ(*res, 42);
}

TEST(aegis_node, an_argument_larger_than_the_callees_max_payload_is_refused_and_it_keeps_serving) {
  mt::mesh_fixture mesh;
  mesh.add_joined("caller");
  mesh.add_joined("small", [](node_options& o) { o.max_payload = 1024; });
  ASSERT_TRUE(mesh.wait_converged(std::chrono::seconds{10}));
  mesh.at(1).register_raw("size", [](const call_request& c) -> caf::expected<std::string> {
    return std::to_string(c.payload.size());
  });
  auto big = mesh.at(0).execute_raw("small", "size", std::string(4096, 'x'));
  ASSERT_FALSE(big);
  EXPECT_EQ(code_of(big.error()), errc::too_large);
  EXPECT_NE(describe(big.error()).find("max_payload"), std::string::npos) << describe(big.error());
  auto ok = mesh.at(0).execute_raw("small", "size", std::string(100, 'x'));
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_EQ(*ok, "100");
}

TEST(aegis_node, a_frame_header_announcing_gigabytes_closes_that_connection_and_the_node_keeps_serving) {
  mt::mesh_fixture mesh;
  mesh.add_many(2);
  ASSERT_TRUE(mesh.wait_converged(std::chrono::seconds{10}));
  mesh.at(1).register_function<int, int>("twice", [](int x) { return 2 * x; });
  mt::raw_connection raw{mesh.at(1).port()};
  ASSERT_GE(raw.fd, 0);
  raw.send(mt::huge_basp_header()); // a BASP client handshake announcing 4 GiB - 1
  EXPECT_TRUE(raw.closed_by_node()) << "the frame guard closes the connection";
  auto res = mesh.at(0).execute_on<int>(mesh.at(1).name(), "twice", 21);
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_EQ(*res, 42);
  EXPECT_TRUE(mesh.converged());
}

TEST(aegis_node, a_half_frame_that_never_finishes_is_closed_and_the_node_serves_others_meanwhile) {
  mt::mesh_fixture mesh;
  mesh.add_joined("a");
  auto& b = mesh.add_joined("b");
  ASSERT_TRUE(mesh.wait_converged(std::chrono::seconds{10}));
  b.register_function<int, int>("twice", [](int x) { return 2 * x; });
  mt::raw_connection loris{b.port()};
  ASSERT_GE(loris.fd, 0);
  loris.send(mt::huge_basp_header().substr(0, 16)); // half a header, then silence
  mt::raw_connection garbage{b.port()};
  garbage.send(mt::garbage(4096));
  EXPECT_TRUE(garbage.closed_by_node());
  // A newcomer joins through b and calls it while the half frame is still pending.
  auto& c = mesh.add("c");
  auto joined = c.join(b.address());
  ASSERT_TRUE(joined) << describe(joined.error());
  auto res = c.execute_on<int>("b", "twice", 21);
  ASSERT_TRUE(res) << describe(res.error());
  EXPECT_EQ(*res, 42);
  EXPECT_TRUE(loris.closed_by_node()) << "a half handshake is closed after connect_timeout";
  EXPECT_TRUE(mesh.wait_converged(std::chrono::seconds{10}));
}
