#pragma once

// The chaos program's report: the counts per provider and of the mesh, and the verdict.

#include <optional>
#include <vector>

#include "lane.hpp"
#include "mesh_chaos.hpp"

namespace armada::chaos {

struct report_input {
  unsigned seed = 0;
  double chaos_s = 0;
  double total_s = 0;
  std::vector<lane_figures> lanes;
  std::optional<mesh_figures> mesh; ///< none: the mesh part did not run (--nodes 0)
};

/// Prints the report to stdout; true when a check failed (something lost, a saga unfinished, a
/// compensation applied twice, membership not converged, a provider that failed to run).
bool print_report(const report_input& in);

} // namespace armada::chaos
