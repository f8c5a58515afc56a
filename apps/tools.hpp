#pragma once

// `armada servers` and `armada bench`.

#include <string>
#include <vector>

namespace armada::apps {

/// Runs `<source>/scripts/servers ARGS…` (the same script the tests use); its exit code.
int run_servers(const std::string& source_dir, const std::vector<std::string>& args);

/// Runs the benchmark programs built under `bench_dir` (all, or `only`), with a progress line,
/// and prints each one's table; 0 when every one ran.
int run_benchmarks(const std::string& bench_dir, const std::string& only);

} // namespace armada::apps
