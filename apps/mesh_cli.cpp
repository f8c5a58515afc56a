// The mesh commands of `armada` (and of `armada-mesh`): run one node, a local cluster in the
// background (PIDs tracked in a state directory), inspect a node.

#include "mesh_cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "armada/aegis.hpp"
#include "armada/aegis/service_view.hpp"
#include "armada/runtime/error.hpp"

extern char** environ;

namespace armada::apps {

namespace {


std::mutex out_mtx;

void say(const std::string& line) {
  std::lock_guard guard{out_mtx};
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
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


int run_node(node_args& a) {
  auto stop_signals = block_stop_signals();
  a.opts.heartbeat_interval = std::chrono::milliseconds{a.heartbeat_ms};
  a.opts.suspect_after = std::chrono::milliseconds{a.suspect_ms};
  a.opts.dead_after = std::chrono::milliseconds{a.dead_ms};
  auto n = aegis::node::start(a.opts);
  if (!n) {
    std::fprintf(stderr, "node: %s\n", describe(n.error()).c_str());
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

void print_service(const aegis::service_report& r) {
  std::printf("\nservice %s\n", r.service.c_str());
  if (!r.signals.empty()) {
    std::printf("  %-28s %9s %10s %10s %8s %8s %6s\n", "signal", "listeners", "emitted", "delivered", "dropped",
                "errors", "queued");
    for (auto& s : r.signals)
      std::printf("  %-28s %9llu %10llu %10llu %8llu %8llu %6lld\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.listeners), static_cast<unsigned long long>(s.emitted),
                  static_cast<unsigned long long>(s.delivered), static_cast<unsigned long long>(s.dropped),
                  static_cast<unsigned long long>(s.hook_errors), static_cast<long long>(s.queue_depth));
  }
  for (auto& b : r.bridges) {
    if (!b.error.empty())
      std::printf("  bridge %-22s %-3s %s\n", b.name.c_str(), b.direction.c_str(), b.error.c_str());
    else if (b.direction == "out")
      std::printf("  bridge %-22s out published %llu, failed %llu, dropped %llu, pending %lld\n", b.name.c_str(),
                  static_cast<unsigned long long>(b.published), static_cast<unsigned long long>(b.failed),
                  static_cast<unsigned long long>(b.dropped), static_cast<long long>(b.pending));
    else
      std::printf("  bridge %-22s in  %s: received %llu, acked %llu, nacked %llu, dead-lettered %llu, "
                  "in flight %lld, handled in %.0f us on average\n",
                  b.name.c_str(), b.topic.c_str(), static_cast<unsigned long long>(b.received),
                  static_cast<unsigned long long>(b.acked), static_cast<unsigned long long>(b.nacked),
                  static_cast<unsigned long long>(b.dead_lettered), static_cast<long long>(b.in_flight),
                  b.mean_handle_us);
  }
  if (!r.sagas_by_state.empty()) {
    std::string counts;
    for (auto& [state, n] : r.sagas_by_state)
      counts += (counts.empty() ? "" : ", ") + state + " " + std::to_string(n);
    std::printf("  sagas: %s\n", counts.c_str());
  }
  for (auto& g : r.open_sagas)
    std::printf("  saga %s (%s) %s at %s%s%s\n", g.id.c_str(), g.type.c_str(), g.state.c_str(),
                g.step.empty() ? "-" : g.step.c_str(), g.error.empty() ? "" : ": ", g.error.c_str());
  for (auto& e : r.errors)
    std::printf("  cannot read %s\n", e.c_str());
}

int run_inspect(const std::string& address) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_address(address, host, port)) {
    std::fprintf(stderr, "inspect: '%s' is not HOST:PORT (e.g. 127.0.0.1:4100)\n", address.c_str());
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
  for (auto& p : s->peers) {
    auto m = std::find_if(s->members.begin(), s->members.end(), [&](auto& x) { return x.id == p.id; });
    std::printf("peer %s: %s%s, %llu forwarded\n", m != s->members.end() ? m->name.c_str() : p.id.c_str(),
                p.connected ? "connected" : "connecting", p.adopted ? " (it connected to us)" : "",
                static_cast<unsigned long long>(p.forwarded));
  }
  for (auto& r : s->rooms)
    std::printf("room %s: %zu members\n", r.name.c_str(), r.members.size());
  for (auto& f : s->functions)
    std::printf("function %s\n", f.c_str());
  for (auto& v : s->pending_votes)
    std::printf("vote on %s: %u yes, %u no, %u waiting\n", v.candidate.name.c_str(), v.yes, v.no, v.waiting);
  if (std::find(s->functions.begin(), s->functions.end(), aegis::inspect_function) == s->functions.end()) {
    std::printf("(no service view: this node does not expose %s)\n", aegis::inspect_function);
    return 0;
  }
  auto rep = aegis::inspect_service(insp, host, port);
  if (!rep) {
    std::fprintf(stderr, "%s\n", describe(rep.error()).c_str());
    return 1;
  }
  print_service(*rep);
  return 0;
}


namespace fs = std::filesystem;

struct cluster_member {
  int pid = 0;
  std::string name;
  std::string address;
};

fs::path state_dir(const mesh_cli& m) {
  if (!m.state_dir.empty())
    return m.state_dir;
  return fs::temp_directory_path() / ("armada-cluster-" + std::to_string(::getuid()));
}

std::vector<cluster_member> read_cluster(const fs::path& dir) {
  std::vector<cluster_member> out;
  std::ifstream in{dir / "members"};
  cluster_member c;
  while (in >> c.pid >> c.name >> c.address)
    out.push_back(c);
  return out;
}

bool alive(int pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

/// Starts `argv` in its own session with stdout and stderr in `log`.
int spawn_detached(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ) != 0)
    pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return pid;
}

/// The address a node printed ("listening ADDRESS ID") in its log, waiting up to `timeout`.
std::string wait_for_address(const fs::path& log, int pid, std::chrono::seconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in{log};
    for (std::string line; std::getline(in, line);)
      if (line.rfind("listening ", 0) == 0)
        return line.substr(10, line.find(' ', 10) - 10);
    if (!alive(pid))
      return {};
    std::this_thread::sleep_for(std::chrono::milliseconds{20}); // polling the node's log file
  }
  return {};
}

int cluster_down(const fs::path& dir) {
  auto members = read_cluster(dir);
  if (members.empty()) {
    std::printf("no cluster is up (%s has none)\n", dir.c_str());
    return 0;
  }
  for (auto& c : members)
    if (alive(c.pid))
      ::kill(c.pid, SIGTERM); // nodes leave gracefully
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  for (auto& c : members) {
    while (alive(c.pid) && std::chrono::steady_clock::now() < until) {
      ::waitpid(c.pid, nullptr, WNOHANG); // reaps it if it is our child
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    if (alive(c.pid)) {
      ::kill(c.pid, SIGKILL);
      std::printf("%s (pid %d) did not leave within 10 s: killed\n", c.name.c_str(), c.pid);
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::printf("cluster down: %zu nodes stopped\n", members.size());
  return 0;
}

int cluster_status(const fs::path& dir) {
  auto members = read_cluster(dir);
  if (members.empty()) {
    std::printf("no cluster is up (%s has none); start one with: armada cluster up 3\n", dir.c_str());
    return 1;
  }
  std::size_t up = 0;
  for (auto& c : members) {
    bool a = alive(c.pid);
    up += a ? 1 : 0;
    std::printf("%-10s %-22s pid %-8d %s\n", c.name.c_str(), c.address.c_str(), c.pid, a ? "running" : "gone");
  }
  std::printf("%zu of %zu nodes running\n", up, members.size());
  return up == members.size() ? 0 : 1;
}

int cluster_up(const fs::path& dir, int n, const std::string& self_path) {
  auto existing = read_cluster(dir);
  for (auto& c : existing)
    if (alive(c.pid)) {
      std::fprintf(stderr, "a cluster is already up (%s, pid %d); stop it first with: armada cluster down\n",
                   c.name.c_str(), c.pid);
      return 1;
    }
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create the cluster state directory %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  std::vector<cluster_member> members;
  std::string entry;
  for (int i = 0; i < n; ++i) {
    cluster_member c;
    c.name = "node-" + std::to_string(i);
    std::vector<std::string> argv{self_path, "node", "--name", c.name};
    if (!entry.empty()) {
      argv.push_back("--join");
      argv.push_back(entry);
    }
    auto log = dir / (c.name + ".log");
    c.pid = spawn_detached(argv, log);
    c.address = c.pid > 0 ? wait_for_address(log, c.pid, std::chrono::seconds{10}) : "";
    if (c.address.empty()) {
      std::fprintf(stderr, "%s did not start (see %s)\n", c.name.c_str(), log.c_str());
      if (c.pid > 0)
        ::kill(c.pid, SIGKILL);
      std::ofstream out{dir / "members"};
      for (auto& m : members)
        out << m.pid << ' ' << m.name << ' ' << m.address << '\n';
      out.close();
      cluster_down(dir);
      return 1;
    }
    if (entry.empty())
      entry = c.address;
    members.push_back(c);
    std::ofstream out{dir / "members", std::ios::app};
    out << c.pid << ' ' << c.name << ' ' << c.address << '\n';
    std::printf("%-10s %-22s pid %d\n", c.name.c_str(), c.address.c_str(), c.pid);
    std::fflush(stdout);
  }
  std::printf("cluster of %d up in the background; inspect with: armada inspect %s; stop with: armada cluster down\n",
              n, entry.c_str());
  return 0;
}

} // namespace

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

void add_mesh_commands(CLI::App& app, mesh_cli& m) {
  auto& na = m.na;
  m.node_cmd = app.add_subcommand("node", "run one mesh node until SIGINT/SIGTERM (then leave gracefully)");
  m.node_cmd->add_option("--name", na.opts.name, "node name")->required();
  m.node_cmd->add_option("--host", na.opts.host, "interface to publish on (default 127.0.0.1)");
  m.node_cmd->add_option("--port", na.opts.port, "port (0: pick a free one)");
  m.node_cmd->add_option("--join", na.join, "HOST:PORT of any member");
  m.node_cmd->add_option("--tag", na.opts.tags, "a tag (repeatable)");
  m.node_cmd->add_option("--service", na.opts.services, "a service for execute_any (repeatable)");
  m.node_cmd->add_option("--heartbeat-ms", na.heartbeat_ms, "gossip interval")->check(CLI::PositiveNumber);
  m.node_cmd->add_option("--suspect-ms", na.suspect_ms, "silence before suspect")->check(CLI::PositiveNumber);
  m.node_cmd->add_option("--dead-ms", na.dead_ms, "silence before dead")->check(CLI::PositiveNumber);
  m.node_cmd->add_option("--tls-ca", na.opts.tls.ca_file, "CA certificate (PEM)");
  m.node_cmd->add_option("--tls-cert", na.opts.tls.certificate, "node certificate (PEM)");
  m.node_cmd->add_option("--tls-key", na.opts.tls.key, "node key (PEM)");

  m.cluster_cmd = app.add_subcommand("cluster", "N mesh nodes on 127.0.0.1 in the background: "
                                                "`cluster up N`, `cluster status`, `cluster down`");
  m.cluster_cmd->add_option("verb", m.verb, "up, status or down")->required()->check(CLI::IsMember({"up", "status", "down"}));
  m.cluster_cmd->add_option("count", m.count, "number of nodes (up)")->check(CLI::Range(1, 64));
  m.cluster_cmd->add_option("--state", m.state_dir, "state directory (PIDs, logs); default /tmp/armada-cluster-UID");

  m.inspect_cmd = app.add_subcommand("inspect", "print a mesh node's view: members, rooms, functions, votes");
  m.inspect_cmd->add_option("address", m.address, "HOST:PORT")->required();
}

int run_mesh_command(mesh_cli& m, const std::string& self_path) {
  if (m.node_cmd != nullptr && *m.node_cmd)
    return run_node(m.na);
  if (m.cluster_cmd != nullptr && *m.cluster_cmd) {
    auto dir = state_dir(m);
    if (m.verb == "up")
      return cluster_up(dir, m.count, self_path);
    if (m.verb == "down")
      return cluster_down(dir);
    return cluster_status(dir);
  }
  if (m.inspect_cmd != nullptr && *m.inspect_cmd)
    return run_inspect(m.address);
  return -1;
}

} // namespace armada::apps
