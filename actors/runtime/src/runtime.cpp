#include "armada/runtime.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include <caf/atom.hpp>
#include <caf/thread_hook.hpp>

#include "armada/runtime/error.hpp"
#include "armada/runtime/thread_exit.hpp"

extern char** environ;

namespace armada {

namespace {

/// Releases other libraries' per-thread state before a thread of the actor system reports
/// its end (see at_actor_thread_exit).
struct thread_exit_hook : caf::thread_hook {
  void init(caf::actor_system&) override {}
  void thread_started() override {}
  void thread_terminates() override { detail::run_actor_thread_exit(); }
};

} // namespace

config::config() {
  add_thread_hook<thread_exit_hook>();
  opt_group{custom_options_, "capitan"}
    .add(capitan_buffer_size, "buffer-size", "default queue bound of a signal (events)")
    .add(capitan_sync, "sync", "deliver inline on the emitting thread");
}

std::vector<std::string> environment_arguments(char** envp) {
  std::vector<std::string> result;
  if (envp == nullptr)
    return result;
  constexpr std::string_view prefix = "ARMADA_";
  for (auto p = envp; *p != nullptr; ++p) {
    std::string_view entry{*p};
    if (entry.substr(0, prefix.size()) != prefix)
      continue;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto name = entry.substr(prefix.size(), eq - prefix.size());
    if (name == "SERVERS_FILE" || name.empty())
      continue; // not a configuration option (read by the test kit)
    std::string key;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '_') {
        key += '.';
        ++i;
      } else if (name[i] == '_') {
        key += '-';
      } else {
        key += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
      }
    }
    auto value = entry.substr(eq + 1);
    if (value == "true")
      result.push_back("--" + key); // CAF takes boolean options as flags
    else if (value != "false")
      result.push_back("--" + key + "=" + std::string{value});
  }
  return result;
}

caf::error config::load(std::vector<std::string> args) {
  auto env = environment_arguments(environ);
  args.insert(args.begin(), env.begin(), env.end()); // the command line wins
  const char* ini = nullptr;
  bool explicit_file = false;
  for (auto& a : args)
    if (a.rfind("--config-file=", 0) == 0)
      explicit_file = true;
  if (!explicit_file && std::filesystem::exists("armada.ini"))
    ini = "armada.ini";
  if (auto err = parse(args, ini)) {
    std::string arg;
    auto& ctx = err.context();
    for (auto& a : args)
      if (caf::to_string(ctx).find(a) != std::string::npos)
        arg = a;
    return armada::make_error(1, caf::atom("runtime"),
                              "invalid option " + (arg.empty() ? caf::to_string(err) : "'" + arg + "'")
                                + ": run with --help for the list of options (boolean options "
                                  "are flags: write --name, not --name=true)");
  }
  if (capitan_buffer_size <= 0)
    return armada::make_error(1, caf::atom("runtime"),
                           "capitan.buffer-size must be a positive number of events, got "
                             + std::to_string(capitan_buffer_size));
  if (!remainder.empty())
    return armada::make_error(1, caf::atom("runtime"),
                           "unknown argument '" + remainder.front()
                             + "'; run with --help for the list of options");
  return caf::none;
}

caf::error config::load(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i)
    args.emplace_back(argv[i]);
  return load(std::move(args));
}

config& config::deterministic() {
  set("scheduler.policy", caf::atom("testing"));
  return *this;
}

caf::expected<std::unique_ptr<runtime>> runtime::start(int argc, char** argv) {
  auto cfg = std::make_unique<config>();
  if (auto err = cfg->load(argc, argv))
    return err;
  if (cfg->cli_helptext_printed)
    return std::unique_ptr<runtime>{};
  return std::make_unique<runtime>(std::move(cfg));
}

std::unique_ptr<runtime> runtime::start(std::unique_ptr<config> cfg) {
  return std::make_unique<runtime>(std::move(cfg));
}

runtime::runtime(std::unique_ptr<config> cfg)
  : cfg_(std::move(cfg)), clock_(real_clock::shared()), system_(*cfg_) {
}

runtime::~runtime() = default;

} // namespace armada
