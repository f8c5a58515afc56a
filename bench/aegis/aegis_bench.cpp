// aegis benchmark, baselines in the same run. Prints:
//  - execute_on round trips between two nodes on loopback vs a raw CAF remote `request` to a
//    published actor (target >= 0.8x raw CAF);
//  - room broadcast to 8 nodes (messages delivered per second);
//  - convergence time of 16 nodes started together (target < 2 s, default settings);
//  - detection time of a killed node on every survivor (target < 3 s, default settings);
//  - resident memory per node with 16 members and 8 rooms.
// Usage: bench_aegis [round_trips] (default 20000).

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
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

using namespace armada;
using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

namespace {

double seconds(clk::duration d) { return std::chrono::duration<double>(d).count(); }

long rss_kib() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

std::unique_ptr<aegis::node> start(const std::string& name) {
  aegis::node_options o;
  o.name = name;
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

// Round trips of a 16-byte string through a raw CAF remote actor (one client, reused scoped
// actor, like a user of CAF would write it).
double raw_caf_round_trips(std::size_t n) {
  caf::actor_system_config scfg;
  scfg.load<caf::io::middleman>();
  caf::actor_system server{scfg};
  auto echo = server.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](std::string& s) { return s; }};
  });
  auto port = server.middleman().publish(echo, 0, "127.0.0.1");
  caf::actor_system_config ccfg;
  ccfg.load<caf::io::middleman>();
  caf::actor_system client{ccfg};
  auto proxy = client.middleman().remote_actor("127.0.0.1", *port);
  if (!proxy) {
    std::fprintf(stderr, "raw CAF: %s\n", caf::to_string(proxy.error()).c_str());
    std::exit(1);
  }
  caf::scoped_actor self{client};
  std::string payload(16, 'x');
  auto t0 = clk::now();
  for (std::size_t i = 0; i < n; ++i)
    self->request(*proxy, caf::infinite, payload).receive([](std::string&) {}, [](caf::error&) {});
  auto d = seconds(clk::now() - t0);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  return static_cast<double>(n) / d;
}

double aegis_round_trips(std::size_t n, bool typed) {
  auto a = start("bench-a");
  auto b = start("bench-b");
  b->register_raw("echo", [](const aegis::call_request& c) -> caf::expected<std::string> { return c.payload; });
  b->register_function<int, int>("inc", [](int x) { return x + 1; });
  if (!a->join(b->address())) {
    std::fprintf(stderr, "join failed\n");
    std::exit(1);
  }
  std::string payload(16, 'x');
  auto t0 = clk::now();
  for (std::size_t i = 0; i < n; ++i) {
    bool ok = typed ? static_cast<bool>(a->execute_on<int>("bench-b", "inc", static_cast<int>(i)))
                    : static_cast<bool>(a->execute_raw("bench-b", "echo", payload));
    if (!ok) {
      std::fprintf(stderr, "execute_on failed\n");
      std::exit(1);
    }
  }
  return static_cast<double>(n) / seconds(clk::now() - t0);
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

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  // Warm up both paths once, then measure alternately.
  (void) raw_caf_round_trips(n / 10);
  (void) aegis_round_trips(n / 10, false);
  auto raw = raw_caf_round_trips(n);
  auto untyped = aegis_round_trips(n, false);
  auto typed = aegis_round_trips(n, true);
  std::printf("round trips (%zu, 16-byte payload, loopback):\n", n);
  std::printf("  raw CAF remote request: %8.0f /s (%.1f us)\n", raw, 1e6 / raw);
  std::printf("  aegis execute_raw     : %8.0f /s (%.1f us)  ratio %.2fx raw CAF (target >= 0.8x)\n",
              untyped, 1e6 / untyped, untyped / raw);
  std::printf("  aegis execute_on<int> : %8.0f /s (%.1f us)  ratio %.2fx raw CAF (JSON codec)\n",
              typed, 1e6 / typed, typed / raw);
  room_broadcast(2000);
  convergence_and_detection();
  return 0;
}
