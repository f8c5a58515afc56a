#include "mesh_chaos.hpp"

#include <signal.h>

#include <algorithm>
#include <thread>

#include "armada/aegis/member.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing/wait.hpp"

namespace armada::chaos {

using namespace std::chrono_literals;

mesh_chaos::mesh_chaos(std::string program, int nodes, std::chrono::milliseconds deadline,
                       std::chrono::milliseconds longest_pause)
  : program_(std::move(program))
  , deadline_(deadline)
  , longest_pause_(longest_pause)
  , nodes_(static_cast<std::size_t>(nodes))
  , paused_(static_cast<std::size_t>(nodes), false) {
  figures_.nodes = nodes;
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    nodes_[i].name = "chaos-" + std::to_string(i);
}

std::string mesh_chaos::launch(std::size_t i) {
  auto& n = nodes_[i];
  // Suspected after 1 s of silence, dead after 5 s (unless the connection is refused first).
  std::vector<std::string> argv{program_,       "node", "--name",    n.name,
                                "--suspect-ms", "1000", "--dead-ms", "5000"};
  for (std::size_t j = 0; j < nodes_.size(); ++j)
    if (j != i && nodes_[j].proc && nodes_[j].proc->running() &&
        !paused_[j]) { // join any running node
      argv.insert(argv.end(), {"--join", "127.0.0.1:" + std::to_string(nodes_[j].port)});
      break;
    }
  n.proc = std::make_unique<testing::process>(argv);
  auto line = n.proc->wait_for_line("listening ", 30s);
  if (!line)
    return n.name + " (" + program_ + " node) printed no 'listening' line within 30 s";
  // "listening 127.0.0.1:PORT ID"
  auto colon = line->find(':');
  auto space = line->find(' ', colon);
  n.port = static_cast<std::uint16_t>(std::stoi(line->substr(colon + 1, space - colon - 1)));
  n.id = line->substr(space + 1);
  if (argv.back().starts_with("127.0.0.1:") && !n.proc->wait_for_line("joined ", 30s))
    return n.name + " did not join the mesh within 30 s";
  return {};
}

std::string mesh_chaos::start() {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (auto problem = launch(i); !problem.empty())
      return problem;
  if (!await("start"))
    return figures_.problem;
  figures_.convergence_s.clear(); // the start is no fault
  return {};
}

std::set<std::string> mesh_chaos::live_ids() const {
  std::set<std::string> ids;
  for (const auto& n : nodes_)
    if (n.proc && n.proc->running())
      ids.insert(n.id);
  return ids;
}

void mesh_chaos::drain() {
  // Node output (member events) is not needed; reading it keeps the pipes from filling up.
  for (auto& n : nodes_)
    if (n.proc)
      while (n.proc->read_line(1ms)) {
      }
}

bool mesh_chaos::converged() {
  drain();
  auto expected = live_ids();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].proc || !nodes_[i].proc->running())
      continue;
    auto s = insp_.state("127.0.0.1", nodes_[i].port, 2s);
    if (!s) {
      last_view_ = nodes_[i].name + " did not answer: " + describe(s.error());
      return false;
    }
    std::set<std::string> alive;
    std::size_t suspect = 0;
    for (const auto& m : s->members) {
      if (m.state() == aegis::member_status::alive)
        alive.insert(m.id);
      suspect += m.state() == aegis::member_status::suspect ? 1 : 0;
    }
    if (alive != expected || suspect > 0) {
      last_view_ = nodes_[i].name + " sees " + std::to_string(alive.size()) + " alive and " +
                   std::to_string(suspect) + " suspect, expected " +
                   std::to_string(expected.size()) + " alive";
      return false;
    }
  }
  return true;
}

bool mesh_chaos::await(const std::string& after) {
  auto t0 = std::chrono::steady_clock::now();
  if (!testing::wait_until([&] { return converged(); }, deadline_)) {
    figures_.problem =
        "membership did not converge within " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(deadline_).count()) +
        " s after " + after + " (last look: " + last_view_ + ")";
    return false;
  }
  figures_.convergence_s.push_back(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return true;
}

bool mesh_chaos::fault(std::mt19937& rng) {
  auto i = std::uniform_int_distribution<std::size_t>{0, nodes_.size() - 1}(rng);
  auto& n = nodes_[i];
  if (std::bernoulli_distribution{0.5}(rng)) {
    n.proc->kill(SIGKILL);
    ++figures_.kills;
    if (!await("SIGKILL of " + n.name))
      return false;
    if (auto problem = launch(i); !problem.empty()) {
      figures_.problem = problem;
      return false;
    }
    return await("restart of " + n.name);
  }
  // Paused for a while: suspected, then refuted; paused beyond the failure detector's dead-after
  // (5 s), declared dead and expected back with a higher incarnation.
  n.proc->signal(SIGSTOP);
  paused_[i] = true;
  ++figures_.pauses;
  auto pause = std::uniform_int_distribution<long>{
      300, std::max(300L, static_cast<long>(longest_pause_.count()))}(rng);
  std::this_thread::sleep_for(std::chrono::milliseconds{pause}); // the fault itself
  n.proc->signal(SIGCONT);
  paused_[i] = false;
  return await("SIGSTOP/SIGCONT of " + n.name);
}

void mesh_chaos::finish() {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (paused_[i]) {
      nodes_[i].proc->signal(SIGCONT);
      paused_[i] = false;
    }
  auto t0 = std::chrono::steady_clock::now();
  if (testing::wait_until([&] { return converged(); }, deadline_))
    figures_.final_convergence_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  else if (figures_.problem.empty())
    figures_.problem =
        "membership did not converge after the chaos ended (last look: " + last_view_ + ")";
}

} // namespace armada::chaos
