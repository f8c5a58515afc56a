// aegis benchmark, baselines in the same run. Prints:
//  - execute_on round trips between two nodes on loopback vs a raw CAF remote `request` to a
//    published actor (target >= 0.8x raw CAF);
//  - room broadcast to 8 nodes (messages delivered per second);
//  - convergence time of 16 nodes started together (target < 2 s, default settings);
//  - detection time of a killed node on every survivor (target < 3 s, default settings);
//  - resident memory per node with 16 members and 8 rooms;
//  - per-peer state of one node (target <= 64 KiB): the node here, 16 peers in child processes
//    (`armada-mesh node`), its heap in use and RSS before and after they joined.
// Usage: bench_aegis [round_trips] (default 20000).

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <malloc.h>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "armada/aegis.hpp"
#include "armada/runtime/error.hpp"
#include "../support/proc_status.hpp"

using namespace armada;
using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

namespace {

using armada::bench::peak_rss_kib;
using armada::bench::rss_kib;

double seconds(clk::duration d) { return std::chrono::duration<double>(d).count(); }


std::unique_ptr<aegis::node> start(const std::string& name, bool frame_guard = true) {
  aegis::node_options o;
  o.name = name;
  o.frame_guard = frame_guard;
  auto n = aegis::node::start(o);
  if (!n) {
    std::fprintf(stderr, "cannot start %s: %s\n", name.c_str(), describe(n.error()).c_str());
    std::exit(1);
  }
  return std::move(*n);
}

bool converged(const std::vector<std::unique_ptr<aegis::node>>& nodes) {
  for (auto& n : nodes) {
    auto s = n->state();
    std::size_t alive = 0;
    for (auto& m : s.members)
      alive += m.state() == aegis::member_status::alive ? 1 : 0;
    if (alive != nodes.size() || s.connected.size() + 1 != nodes.size())
      return false;
  }
  return true;
}

// A raw CAF baseline: a published echo actor in one actor system, a proxy of it in another, and
// one reused scoped actor making requests (as a user of CAF would write it).
struct raw_caf_pair {
  raw_caf_pair() {
    scfg.load<caf::io::middleman>();
    ccfg.load<caf::io::middleman>();
    server = std::make_unique<caf::actor_system>(scfg);
    client = std::make_unique<caf::actor_system>(ccfg);
    echo = server->spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](std::string& s) { return s; }};
    });
    auto port = server->middleman().publish(echo, 0, "127.0.0.1");
    auto p = client->middleman().remote_actor("127.0.0.1", *port);
    if (!p) {
      std::fprintf(stderr, "raw CAF: %s\n", caf::to_string(p.error()).c_str());
      std::exit(1);
    }
    proxy = *p;
    self = std::make_unique<caf::scoped_actor>(*client);
  }
  ~raw_caf_pair() {
    self.reset();
    proxy = nullptr;
    caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
    echo = nullptr;
    client.reset();
    server.reset();
  }
  void round_trip(const std::string& payload) {
    (*self)->request(proxy, caf::infinite, payload).receive([](std::string&) {}, [](caf::error&) {});
  }
  caf::actor_system_config scfg, ccfg;
  std::unique_ptr<caf::actor_system> server, client;
  caf::actor echo, proxy;
  std::unique_ptr<caf::scoped_actor> self;
};

// Two aegis nodes, "bench-b" serving echo (raw) and inc (typed, JSON).
struct aegis_pair {
  explicit aegis_pair(bool frame_guard) : a(start("bench-a", frame_guard)), b(start("bench-b", frame_guard)) {
    b->register_raw("echo", [](const aegis::call_request& c) -> caf::expected<std::string> { return c.payload; });
    b->register_function<int, int>("inc", [](int x) { return x + 1; });
    if (!a->join(b->address())) {
      std::fprintf(stderr, "join failed\n");
      std::exit(1);
    }
  }
  void round_trip(const std::string& payload, bool typed, int i) {
    bool ok = typed ? static_cast<bool>(a->execute_on<int>("bench-b", "inc", i))
                    : static_cast<bool>(a->execute_raw("bench-b", "echo", payload));
    if (!ok) {
      std::fprintf(stderr, "execute_on failed\n");
      std::exit(1);
    }
  }
  std::unique_ptr<aegis::node> a, b;
};

// Measures the three paths in alternating chunks (so a change of machine load hits all of them
// alike) and prints rates and ratios.
void round_trips(std::size_t n) {
  raw_caf_pair raw;
  aegis_pair mesh{true};
  aegis_pair unguarded{false};
  std::string payload(16, 'x');
  clk::duration t_raw{}, t_untyped{}, t_typed{}, t_unguarded{};
  constexpr std::size_t chunks = 10;
  for (std::size_t c = 0; c <= chunks; ++c) {
    auto k = c == 0 ? n / 20 : n / chunks; // chunk 0 warms up and is not counted
    auto t0 = clk::now();
    for (std::size_t i = 0; i < k; ++i)
      raw.round_trip(payload);
    auto t1 = clk::now();
    for (std::size_t i = 0; i < k; ++i)
      mesh.round_trip(payload, false, 0);
    auto t2 = clk::now();
    for (std::size_t i = 0; i < k; ++i)
      mesh.round_trip(payload, true, static_cast<int>(i));
    auto t3 = clk::now();
    for (std::size_t i = 0; i < k; ++i)
      unguarded.round_trip(payload, false, 0);
    auto t4 = clk::now();
    if (c > 0) {
      t_raw += t1 - t0;
      t_untyped += t2 - t1;
      t_typed += t3 - t2;
      t_unguarded += t4 - t3;
    }
  }
  auto per_s = [n](clk::duration d) { return static_cast<double>(n / chunks * chunks) / seconds(d); };
  auto raw_r = per_s(t_raw), untyped = per_s(t_untyped), typed = per_s(t_typed);
  auto direct = per_s(t_unguarded);
  std::printf("round trips (%zu each, 16-byte payload, loopback, alternating chunks):\n", n);
  std::printf("  raw CAF remote request: %8.0f /s (%.1f us)\n", raw_r, 1e6 / raw_r);
  std::printf("  aegis execute_raw     : %8.0f /s (%.1f us)  ratio %.2fx raw CAF (target >= 0.8x)\n",
              untyped, 1e6 / untyped, untyped / raw_r);
  std::printf("  aegis execute_on<int> : %8.0f /s (%.1f us)  ratio %.2fx raw CAF (JSON codec)\n",
              typed, 1e6 / typed, typed / raw_r);
  std::printf("  execute_raw, no guard : %8.0f /s (%.1f us)  ratio %.2fx raw CAF (frame_guard = false)\n",
              direct, 1e6 / direct, direct / raw_r);
}

void room_broadcast(std::size_t messages) {
  std::vector<std::unique_ptr<aegis::node>> nodes;
  for (int i = 0; i < 8; ++i)
    nodes.push_back(start("room-" + std::to_string(i)));
  for (int i = 1; i < 8; ++i)
    (void) nodes[i]->join(nodes[0]->address());
  (void) aegis::testing::wait_until([&] { return converged(nodes); }, 10s);
  std::atomic<std::size_t> delivered{0};
  (void) nodes[0]->create_room("bench");
  for (auto& n : nodes) {
    (void) aegis::testing::wait_until([&] { return !n->state().rooms.empty(); }, 5s);
    (void) n->join_room("bench");
    n->on_room_message("bench", [&delivered](const aegis::room_message&) { ++delivered; });
  }
  (void) aegis::testing::wait_until([&] { return nodes[0]->room_members("bench").size() == 8; }, 5s);
  auto t0 = clk::now();
  for (std::size_t i = 0; i < messages; ++i)
    (void) nodes[0]->broadcast("bench", "tick");
  bool all = aegis::testing::wait_until([&] { return delivered.load() == 8 * messages; }, 60s);
  auto d = seconds(clk::now() - t0);
  std::printf("room broadcast, 8 members: %zu broadcasts in %.3f s = %.0f broadcasts/s, %.0f deliveries/s%s\n",
              messages, d, static_cast<double>(messages) / d, static_cast<double>(delivered.load()) / d,
              all ? "" : " (INCOMPLETE)");
}

void convergence_and_detection() {
  long rss_before = rss_kib();
  std::vector<std::unique_ptr<aegis::node>> nodes;
  auto t0 = clk::now();
  for (int i = 0; i < 16; ++i)
    nodes.push_back(start("mesh-" + std::to_string(i)));
  std::vector<std::thread> joiners;
  for (int i = 1; i < 16; ++i)
    joiners.emplace_back([&, i] { (void) nodes[i]->join(nodes[0]->address()); });
  for (auto& j : joiners)
    j.join();
  bool ok = aegis::testing::wait_until([&] { return converged(nodes); }, 20s);
  auto took = seconds(clk::now() - t0);
  std::printf("16 nodes started together: converged in %.3f s (target < 2 s)%s\n", took,
              ok ? "" : " (DID NOT CONVERGE)");

  for (int r = 0; r < 8; ++r) {
    auto room = "room-" + std::to_string(r);
    (void) nodes[r]->create_room(room);
  }
  (void) aegis::testing::wait_until([&] {
    for (auto& n : nodes)
      if (n->state().rooms.size() != 8)
        return false;
    return true;
  }, 10s);
  for (auto& n : nodes)
    for (int r = 0; r < 8; ++r)
      (void) n->join_room("room-" + std::to_string(r));
  long rss_after = rss_kib();
  std::printf("memory: %.0f KiB RSS per node (16 members, 8 rooms, all nodes in one process)\n",
              static_cast<double>(rss_after - rss_before) / 16.0);

  std::atomic<int> seen{0};
  std::vector<capitan::listener> hooks;
  for (int i = 0; i < 15; ++i)
    hooks.push_back(nodes[i]->events().hook(aegis::signals::member_dead, [&seen](const capitan::event&) { ++seen; }));
  auto k0 = clk::now();
  nodes[15]->stop(false); // as if killed: its sockets close, it never says goodbye
  bool detected = aegis::testing::wait_until([&] { return seen.load() >= 15; }, 20s);
  std::printf("killed node detected dead by all 15 survivors in %.3f s (target < 3 s)%s\n",
              seconds(clk::now() - k0), detected ? "" : " (NOT DETECTED)");
  for (auto& h : hooks)
    h.close();
}

} // namespace

/// What one node keeps per peer: peer actor, proxy, connection buffers, member-table entry.
/// Runs first, while this process holds nothing else.
void per_peer_state() {
#ifdef AEGIS_MESH_PROGRAM
  constexpr int peers = 16;
  auto n = start("hub");
  auto heap = [] { return static_cast<long>(mallinfo2().uordblks); };
  auto live = [&] { return n->state().live_count(); };
  std::vector<std::unique_ptr<aegis::testing::process>> children;
  auto add_peer = [&](int i) {
    children.push_back(std::make_unique<aegis::testing::process>(std::vector<std::string>{
      AEGIS_MESH_PROGRAM, "node", "--name", "peer-" + std::to_string(i), "--join", n->address()}));
  };
  // One peer first: the costs paid once (the middleman's first connection) are not per peer.
  add_peer(0);
  if (!aegis::testing::wait_until([&] { return live() == 2; }, 20s)) {
    std::printf("per-peer state: the first peer did not join (skipped)\n");
    return;
  }
  long heap0 = heap(), rss0 = rss_kib();
  for (int i = 1; i <= peers; ++i)
    add_peer(i);
  bool ok = aegis::testing::wait_until([&] { return live() == peers + 2; }, 30s);
  // Gossip and heartbeats have run with every peer for a few rounds before measuring.
  std::this_thread::sleep_for(2s);
  long heap1 = heap(), rss1 = rss_kib();
  std::printf("per-peer state of one node (%d peers in child processes): %.1f KiB heap in use, %.1f KiB RSS "
              "per peer (target <= 64 KiB)%s\n",
              peers, static_cast<double>(heap1 - heap0) / 1024.0 / peers,
              static_cast<double>(rss1 - rss0) / peers, ok ? "" : " (NOT ALL JOINED)");
  long child_rss = 0;
  for (auto& c : children)
    child_rss += rss_kib(std::to_string(c->pid()));
  std::printf("RSS of a node process (armada-mesh node, %d members): %.1f MiB on average\n", peers + 2,
              static_cast<double>(child_rss) / static_cast<double>(children.size()) / 1024.0);
  for (auto& c : children)
    c->stop(SIGTERM);
  n->stop(false);
#else
  std::printf("per-peer state: skipped (armada-mesh was not built)\n");
#endif
}

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  per_peer_state();
  round_trips(n);
  room_broadcast(2000);
  convergence_and_detection();
  return 0;
}
