#pragma once

// The mesh commands shared by `armada` and `armada-mesh`.

#include <signal.h>

#include <string>

#include <CLI/CLI.hpp>

#include "armada/aegis/options.hpp"

namespace armada::apps {

struct node_args {
  aegis::node_options opts;
  std::string join;
  int heartbeat_ms = 200, suspect_ms = 1000, dead_ms = 2500;
};

struct mesh_cli {
  node_args na;
  int count = 3;
  std::string verb;
  std::string address;
  std::string state_dir;
  CLI::App* node_cmd = nullptr;
  CLI::App* cluster_cmd = nullptr;
  CLI::App* inspect_cmd = nullptr;
};

/// Adds `node`, `cluster up N|status|down` and `inspect ADDRESS` to `app`.
void add_mesh_commands(CLI::App& app, mesh_cli& m);

/// Blocks SIGINT and SIGTERM in the calling thread (call it before any thread starts, so every
/// thread inherits the mask) and returns the set for `wait_for_stop_signal`.
sigset_t block_stop_signals();

/// Waits for one of the signals blocked by `block_stop_signals`; returns it.
int wait_for_stop_signal(const sigset_t& set);

/// Runs the mesh command that was parsed; -1 when none was.
int run_mesh_command(mesh_cli& m, const std::string& self_path);

} // namespace armada::apps
