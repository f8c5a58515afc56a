#pragma once

// The mesh part of the chaos program: `armada-mesh node` processes on 127.0.0.1, SIGKILLed and
// paused (SIGSTOP … SIGCONT) at random; after each fault, the time until membership converges
// again: every live node sees exactly the live nodes alive, and suspects nobody (a killed node
// is declared dead, a paused one refuted its suspicion).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "armada/aegis/inspector.hpp"
#include "armada/testing/process.hpp"

namespace armada::chaos {

/// What the mesh part measured.
struct mesh_figures {
  int nodes = 0;
  int kills = 0;
  int pauses = 0;
  std::vector<double> convergence_s; ///< per fault (and per restart of a killed node)
  double final_convergence_s = -1;   ///< after the chaos ended; -1: did not converge
  std::string problem;               ///< empty when every fault converged within the deadline
};

class mesh_chaos {
public:
  /// `program`: the armada-mesh executable; `nodes` processes; `deadline`: the longest a
  /// convergence may take before it counts as a failure; a pause lasts 0.3 s to `longest_pause`.
  mesh_chaos(std::string program, int nodes, std::chrono::milliseconds deadline,
             std::chrono::milliseconds longest_pause);

  /// Starts the nodes (each joins the first) and waits until they agree; the problem or "".
  std::string start();

  /// One fault: a random node is SIGKILLed (then started again) or paused for a random while;
  /// waits for convergence after each step. False when it did not converge (see figures()).
  bool fault(std::mt19937& rng);

  /// Ends the chaos: continues a paused node, waits for convergence, records its time.
  void finish();

  const mesh_figures& figures() const { return figures_; }

private:
  struct node {
    std::unique_ptr<testing::process> proc;
    std::string name;
    std::uint16_t port = 0;
    std::string id;
  };

  std::string launch(std::size_t i);
  std::set<std::string> live_ids() const;
  bool converged();
  void drain();
  /// Waits for convergence; records the time, or the problem naming `after`.
  bool await(const std::string& after);

  std::string program_;
  std::chrono::milliseconds deadline_;
  std::chrono::milliseconds longest_pause_;
  std::string last_view_; ///< why the last convergence check failed
  std::vector<node> nodes_;
  std::vector<bool> paused_;
  aegis::inspector insp_;
  mesh_figures figures_;
};

} // namespace armada::chaos
