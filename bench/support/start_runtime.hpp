#pragma once

// The actor system of a benchmark, configured from the ARMADA_* environment variables (e.g.
// ARMADA_SCHEDULER__MAX_THREADS=2), with one CAF worker per core unless told otherwise: CAF's
// default of at least 4 workers oversubscribes a 2-core machine. Both sides of every ratio
// (armada and raw CAF / the raw client) run in this one process.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"

namespace armada::bench {

inline std::unique_ptr<armada::runtime> start_runtime() {
  auto cores = std::to_string(std::max(2u, std::thread::hardware_concurrency()));
  setenv("ARMADA_SCHEDULER__MAX_THREADS", cores.c_str(), 0); // an explicit setting wins
  auto cfg = std::make_unique<armada::config>();
  if (auto err = cfg->load({})) {
    std::fprintf(stderr, "%s\n", armada::describe(err).c_str());
    std::exit(1);
  }
  return armada::runtime::start(std::move(cfg));
}

} // namespace armada::bench
