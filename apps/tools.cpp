#include "tools.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace armada::apps {

namespace {

/// Runs `argv` and waits for it. With `on_line`, its stdout goes through a pipe: every line is
/// echoed at once and handed to `on_line`.
int run(const std::vector<std::string>& argv, const std::function<void(const std::string&)>& on_line = {}) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (on_line) {
    if (::pipe(fds) != 0) {
      std::fprintf(stderr, "armada: cannot make a pipe for %s\n", args[0]);
      return 127;
    }
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
  }
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (on_line)
    ::close(fds[1]);
  if (rc != 0) {
    std::fprintf(stderr, "armada: cannot run %s\n", args[0]);
    if (on_line)
      ::close(fds[0]);
    return 127;
  }
  if (on_line) {
    std::string line;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] != '\n') {
          line += buf[i];
          continue;
        }
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
        on_line(line);
        line.clear();
      }
    ::close(fds[0]);
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
  // The lines that carry a ratio to a raw baseline or a target, per benchmark, for the summary.
  std::vector<std::pair<std::string, std::string>> summary;
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
    auto keep = [&](const std::string& line) {
      // " ratio", not "ratio": Google Benchmark's header says "Iterations".
      bool figure = line.find(" ratio") != std::string::npos || line.find("target") != std::string::npos
                    || line.find("x raw") != std::string::npos;
      if (figure)
        summary.emplace_back(b.name, line.substr(line.find_first_not_of(' '))); // such a line is never blank
    };
    if (run(argv, keep) != 0)
      ++failures;
  }
  std::printf("\n[####################] %zu/%zu done%s\n", chosen.size(), chosen.size(),
              failures ? " (some benchmarks did not run: see above)" : "");
  std::printf("\nsummary: armada against its raw baselines and targets\n");
  std::printf("%-15s %s\n", "benchmark", "figure");
  for (auto& [name, line] : summary)
    std::printf("%-15s %s\n", name.c_str(), line.c_str());
  return failures == 0 ? 0 : 1;
}

} // namespace armada::apps
