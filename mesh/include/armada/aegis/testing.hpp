#pragma once

// Test kit for aegis: several nodes (each its own actor system) in one process, and waiting on
// a condition with a deadline.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "armada/aegis/node.hpp"
#include "armada/testing/wait.hpp"

namespace armada::aegis::testing {

/// Polls a condition with a deadline (see armada/testing/wait.hpp).
using armada::testing::wait_until;
/// Checks that a condition stays true for a period (see armada/testing/wait.hpp).
using armada::testing::holds_for;

/// Options with short failure-detection timeouts for tests: heartbeat 50 ms, suspect after
/// 300 ms, dead after 800 ms, vote timeout 1 s, one scheduler thread per node.
node_options fast_options(std::string name = {});

/// Several aegis nodes on 127.0.0.1 in one process. The first node added is the entry point
/// of `add_joined`. Nodes are stopped (gracefully) in reverse order when the fixture goes.
class mesh_fixture {
public:
  using customize = std::function<void(node_options&)>;

  mesh_fixture() = default;
  ~mesh_fixture();
  mesh_fixture(const mesh_fixture&) = delete;
  mesh_fixture& operator=(const mesh_fixture&) = delete;

  /// Starts a node (not joined). Throws std::runtime_error with the error's text on failure.
  node& add(const std::string& name, const customize& fn = {});

  /// Starts a node and joins it through the first node. Throws when the join fails.
  node& add_joined(const std::string& name, const customize& fn = {});

  /// Starts `n` nodes named prefix-0 … prefix-(n-1), all joined.
  void add_many(std::size_t n, const std::string& prefix = "node", const customize& fn = {});

  node& at(std::size_t i) { return *nodes_.at(i); }
  node& by_name(const std::string& name);
  std::size_t size() const { return nodes_.size(); }

  /// Stops a node without leaving (as if its process crashed) and removes it.
  void crash(const std::string& name) { remove(name, false); }

  /// Stops a node gracefully (leave first) and removes it.
  void stop(const std::string& name) { remove(name, true); }

  /// Whether every node sees exactly the fixture's nodes as live, all connected, with the
  /// same topology digest.
  bool converged();

  /// Waits until `converged()` or `timeout`.
  bool wait_converged(std::chrono::milliseconds timeout = std::chrono::seconds{10});

private:
  void remove(const std::string& name, bool leave_first);
  std::vector<std::unique_ptr<node>> nodes_;
};

} // namespace armada::aegis::testing
