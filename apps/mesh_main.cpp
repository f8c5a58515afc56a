// armada-mesh: run an aegis node, start a local cluster, or inspect a running node.
//   armada-mesh node --name a [--port 4100] [--join 127.0.0.1:4100] [--service pricing] …
//   armada-mesh cluster up 5
//   armada-mesh inspect 127.0.0.1:4100

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "armada/aegis.hpp"
#include "armada/runtime/error.hpp"

using namespace armada;

namespace {

std::mutex out_mtx;

void say(const std::string& line) {
  std::lock_guard guard{out_mtx};
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

/// Blocks SIGINT and SIGTERM (before any thread starts) and waits for one of them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int wait_for_stop_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

bool split_address(const std::string& address, std::string& host, std::uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = address.substr(0, colon);
  try {
    auto p = std::stoi(address.substr(colon + 1));
    if (p <= 0 || p > 65535)
      return false;
    port = static_cast<std::uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

struct node_args {
  aegis::node_options opts;
  std::string join;
  int heartbeat_ms = 200, suspect_ms = 1000, dead_ms = 2500;
};

int run_node(node_args& a) {
  auto stop_signals = block_stop_signals();
  a.opts.heartbeat_interval = std::chrono::milliseconds{a.heartbeat_ms};
  a.opts.suspect_after = std::chrono::milliseconds{a.suspect_ms};
  a.opts.dead_after = std::chrono::milliseconds{a.dead_ms};
  auto n = aegis::node::start(a.opts);
  if (!n) {
    std::fprintf(stderr, "armada-mesh node: %s\n", describe(n.error()).c_str());
    return 1;
  }
  auto& node = **n;
  node.register_raw("echo", [](const aegis::call_request& c) -> caf::expected<std::string> { return c.payload; });
  auto name = node.name();
  node.register_raw("whoami", [name](const aegis::call_request&) -> caf::expected<std::string> { return name; });
  std::vector<capitan::listener> hooks;
  for (auto* sig : {&aegis::signals::member_joined, &aegis::signals::member_suspect,
                    &aegis::signals::member_left, &aegis::signals::member_dead})
    hooks.push_back(node.events().hook(*sig, [sig](const capitan::event& e) {
      say("event " + sig->name() + " " + aegis::signals::member_name.from(e).value_or("?") + " "
          + aegis::signals::member_id.from(e).value_or("?"));
    }));
  say("listening " + node.address() + " " + node.id());
  if (!a.join.empty()) {
    auto res = node.join(a.join);
    if (!res) {
      say("join-failed " + describe(res.error()));
      return 2;
    }
    say("joined " + std::to_string(res->size()));
  }
  auto sig = wait_for_stop_signal(stop_signals);
  say("stopping on signal " + std::to_string(sig));
  for (auto& h : hooks)
    h.close();
  node.stop(true);
  return 0;
}

int run_cluster(int n, const std::string& self_path) {
  auto stop_signals = block_stop_signals();
  std::vector<std::unique_ptr<aegis::testing::process>> nodes;
  std::string entry;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> argv{self_path, "node", "--name", "node-" + std::to_string(i)};
    if (!entry.empty()) {
      argv.push_back("--join");
      argv.push_back(entry);
    }
    nodes.push_back(std::make_unique<aegis::testing::process>(argv));
    auto line = nodes.back()->wait_for_line("listening ", std::chrono::seconds{10});
    if (!line) {
      std::fprintf(stderr, "armada-mesh cluster: node-%d did not start\n", i);
      return 1;
    }
    auto address = line->substr(10, line->find(' ', 10) - 10);
    if (entry.empty())
      entry = address;
    std::printf("node-%d %s pid %d\n", i, address.c_str(), static_cast<int>(nodes.back()->pid()));
    std::fflush(stdout);
  }
  std::printf("cluster of %d up; inspect with: armada-mesh inspect %s; Ctrl-C stops it\n", n, entry.c_str());
  std::fflush(stdout);
  wait_for_stop_signal(stop_signals);
  for (auto& p : nodes)
    p->stop(SIGTERM);
  return 0;
}

int run_inspect(const std::string& address) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_address(address, host, port)) {
    std::fprintf(stderr, "armada-mesh inspect: '%s' is not HOST:PORT (e.g. 127.0.0.1:4100)\n", address.c_str());
    return 1;
  }
  aegis::inspector insp;
  auto s = insp.state(host, port);
  if (!s) {
    std::fprintf(stderr, "%s\n", describe(s.error()).c_str());
    return 1;
  }
  std::printf("node %s (%s) — %zu live of %zu known, digest %016llx\n", s->self.name.c_str(),
              s->self.id.c_str(), s->live_count(), s->members.size(),
              static_cast<unsigned long long>(s->topology_digest));
  std::printf("%-38s %-16s %-22s %-8s %s\n", "id", "name", "address", "status", "incarnation");
  for (auto& m : s->members)
    std::printf("%-38s %-16s %-22s %-8s %llu\n", m.id.c_str(), m.name.c_str(), m.address().c_str(),
                std::string{aegis::to_string(m.state())}.c_str(),
                static_cast<unsigned long long>(m.incarnation));
  for (auto& r : s->rooms)
    std::printf("room %s: %zu members\n", r.name.c_str(), r.members.size());
  for (auto& f : s->functions)
    std::printf("function %s\n", f.c_str());
  for (auto& v : s->pending_votes)
    std::printf("vote on %s: %u yes, %u no, %u waiting\n", v.candidate.name.c_str(), v.yes, v.no, v.waiting);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"armada-mesh: aegis peer-to-peer mesh nodes"};
  app.require_subcommand(1);

  node_args na;
  auto node_cmd = app.add_subcommand("node", "run one node until SIGINT/SIGTERM (then leave gracefully)");
  node_cmd->add_option("--name", na.opts.name, "node name")->required();
  node_cmd->add_option("--host", na.opts.host, "interface to publish on (default 127.0.0.1)");
  node_cmd->add_option("--port", na.opts.port, "port (0: pick a free one)");
  node_cmd->add_option("--join", na.join, "HOST:PORT of any member");
  node_cmd->add_option("--tag", na.opts.tags, "a tag (repeatable)");
  node_cmd->add_option("--service", na.opts.services, "a service for execute_any (repeatable)");
  node_cmd->add_option("--heartbeat-ms", na.heartbeat_ms, "gossip interval")->check(CLI::PositiveNumber);
  node_cmd->add_option("--suspect-ms", na.suspect_ms, "silence before suspect")->check(CLI::PositiveNumber);
  node_cmd->add_option("--dead-ms", na.dead_ms, "silence before dead")->check(CLI::PositiveNumber);
  node_cmd->add_option("--tls-ca", na.opts.tls.ca_file, "CA certificate (PEM)");
  node_cmd->add_option("--tls-cert", na.opts.tls.certificate, "node certificate (PEM)");
  node_cmd->add_option("--tls-key", na.opts.tls.key, "node key (PEM)");

  int count = 3;
  auto cluster_cmd = app.add_subcommand("cluster", "start N nodes on 127.0.0.1 (`cluster up N`)");
  std::string verb;
  cluster_cmd->add_option("verb", verb, "up")->required()->check(CLI::IsMember({"up"}));
  cluster_cmd->add_option("count", count, "number of nodes")->check(CLI::Range(1, 64));

  std::string address;
  auto inspect_cmd = app.add_subcommand("inspect", "print a node's view of the mesh");
  inspect_cmd->add_option("address", address, "HOST:PORT")->required();

  CLI11_PARSE(app, argc, argv);
  if (*node_cmd)
    return run_node(na);
  if (*cluster_cmd)
    return run_cluster(count, std::filesystem::canonical("/proc/self/exe").string());
  if (*inspect_cmd)
    return run_inspect(address);
  return 0;
}
