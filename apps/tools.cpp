#include "tools.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

extern char** environ;

namespace armada::apps {

namespace {

int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
    std::fprintf(stderr, "armada: cannot run %s\n", args[0]);
    return 127;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

} // namespace

int run_servers(const std::string& source_dir, const std::vector<std::string>& args) {
  auto script = std::filesystem::path{source_dir} / "scripts" / "servers";
  if (!std::filesystem::exists(script)) {
    std::fprintf(stderr, "armada servers: %s is missing: this command needs the armada source tree it was built "
                         "from\n", script.c_str());
    return 2;
  }
  std::vector<std::string> argv{script.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

int run_benchmarks(const std::string& bench_dir, const std::string& only) {
  struct bench {
    const char* name;
    std::vector<std::string> args;
  };
  std::vector<bench> all{{"capitan", {}}, {"pipz", {}}, {"herald", {"100000"}}, {"ago", {"100000", "100000"}},
                         {"aegis", {}}, {"herald_brokers", {"20000"}}, {"herald_cloud", {"500"}}};
  std::vector<bench> chosen;
  for (auto& b : all)
    if (only.empty() || only == b.name)
      chosen.push_back(b);
  if (chosen.empty()) {
    std::fprintf(stderr, "armada bench: no benchmark named '%s'; choose capitan, pipz, herald, ago, aegis, "
                         "herald_brokers or herald_cloud\n", only.c_str());
    return 2;
  }
  int failures = 0;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    auto& b = chosen[i];
    auto exe = std::filesystem::path{bench_dir} / b.name / ("bench_" + std::string{b.name});
    int done = static_cast<int>(20 * i / chosen.size());
    std::printf("\n[%s%s] %zu/%zu  %s\n", std::string(static_cast<std::size_t>(done), '#').c_str(),
                std::string(static_cast<std::size_t>(20 - done), '.').c_str(), i + 1, chosen.size(), b.name);
    std::fflush(stdout);
    if (!std::filesystem::exists(exe)) {
      std::printf("  not built: %s (build it with: scripts/setup --target bench_%s)\n", exe.c_str(), b.name);
      ++failures;
      continue;
    }
    std::vector<std::string> argv{exe.string()};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    if (run(argv) != 0)
      ++failures;
  }
  std::printf("\n[####################] %zu/%zu done%s\n", chosen.size(), chosen.size(),
              failures ? " (some benchmarks did not run: see above)" : "");
  return failures == 0 ? 0 : 1;
}

} // namespace armada::apps
