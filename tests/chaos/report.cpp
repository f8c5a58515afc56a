#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace armada::chaos {

namespace {

std::string sagas_by_state(const lane_figures& l) {
  std::string out;
  for (const auto& [state, n] : l.sagas)
    out += (out.empty() ? "" : " ") + state + " " + std::to_string(n);
  return out.empty() ? "none" : out;
}

/// What failed in `l`, or "".
std::string verdict(const lane_figures& l) {
  if (!l.problem.empty())
    return l.problem;
  if (l.published == 0)
    return "nothing was published";
  if (l.lost > 0)
    return std::to_string(l.lost) + " acknowledged message(s) lost";
  if (l.non_terminal > 0)
    return std::to_string(l.non_terminal) + " saga(s) not completed or failed";
  if (l.compensations_twice > 0)
    return std::to_string(l.compensations_twice) + " compensation(s) applied twice";
  return {};
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

} // namespace

bool print_report(const report_input& in) {
  bool failed = false;
  std::printf("\n== armada chaos report (%.0f s of chaos, %.0f s in all, seed %u)\n", in.chaos_s,
              in.total_s, in.seed);
  std::printf("%-10s %9s %9s %10s %4s %8s %5s %7s %5s %7s  %s\n", "provider", "published",
              "delivered", "duplicates", "lost", "restarts", "kills", "compens", "twice", "retried",
              "sagas by state");
  for (const auto& l : in.lanes) {
    if (!l.skipped.empty()) {
      std::printf("%-10s skipped: %s\n", l.provider.c_str(), l.skipped.c_str());
      continue;
    }
    std::printf("%-10s %9zu %9zu %10zu %4zu %8d %5d %7zu %5zu %7zu  %s\n", l.provider.c_str(),
                l.published, l.delivered, l.duplicates, l.lost, l.broker_restarts, l.service_kills,
                l.compensations, l.compensations_twice, l.retried_effects,
                sagas_by_state(l).c_str());
  }
  if (in.mesh) {
    const auto& m = *in.mesh;
    std::printf("mesh       %d nodes, %d SIGKILLs, %d SIGSTOP/SIGCONT pauses", m.nodes, m.kills,
                m.pauses);
    if (!m.convergence_s.empty())
      std::printf(
          "; converged after each of %zu faults/restarts: min %.2f s, median %.2f s, max %.2f s",
          m.convergence_s.size(), percentile(m.convergence_s, 0), percentile(m.convergence_s, 0.5),
          percentile(m.convergence_s, 1));
    if (m.final_convergence_s >= 0)
      std::printf("; after the chaos %.2f s", m.final_convergence_s);
    std::printf("\n");
  }
  std::printf("checks:\n");
  for (const auto& l : in.lanes) {
    if (!l.skipped.empty()) {
      std::printf("  %-10s skipped: %s\n", l.provider.c_str(), l.skipped.c_str());
      continue;
    }
    auto v = verdict(l);
    failed = failed || !v.empty();
    std::printf("  %-10s %s (all delivered %.1f s after the chaos)\n", l.provider.c_str(),
                v.empty() ? "passed" : ("FAILED: " + v).c_str(), l.settle_s);
  }
  if (in.mesh) {
    failed = failed || !in.mesh->problem.empty();
    std::printf("  %-10s %s\n", "mesh",
                in.mesh->problem.empty() ? "passed" : ("FAILED: " + in.mesh->problem).c_str());
  }
  std::printf("verdict: %s\n", failed ? "FAILED" : "passed");
  std::fflush(stdout);
  return failed;
}

} // namespace armada::chaos
