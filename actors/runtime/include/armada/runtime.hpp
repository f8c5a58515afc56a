#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "armada/runtime/clock.hpp"
#include "armada/runtime/uuid.hpp"

namespace armada {

/// armada's actor system configuration (not movable in practice: CAF's options point into
/// it; hold it in a unique_ptr): CAF's own options plus armada's, read (lowest to
/// highest precedence) from defaults, a CAF INI config file (`--config-file=PATH`, default
/// `armada.ini` when present), environment variables and the command line.
///
/// Environment variables start with `ARMADA_`; the rest is lowercased, `__` separates
/// sections and `_` becomes `-`: `ARMADA_SCHEDULER__MAX_THREADS=4` sets
/// `scheduler.max-threads=4`, `ARMADA_CAPITAN__BUFFER_SIZE=32` sets `capitan.buffer-size=32`.
class config : public caf::actor_system_config {
public:
  config();

  /// Default buffer size of a capitan signal queue (`capitan.buffer-size`).
  int capitan_buffer_size = 16;

  /// Whether capitan delivers inline on the emitting thread (`capitan.sync`).
  bool capitan_sync = false;

  /// Parses environment and command line (see class comment). Returns an error that names the
  /// offending option or variable; `cli_helptext_printed` tells whether `--help` was handled.
  caf::error load(int argc, char** argv);

  /// Same as `load(argc, argv)` with an explicit argument list (without program name).
  caf::error load(std::vector<std::string> args);

  /// Makes the scheduler CAF's deterministic test coordinator (for tests).
  config& deterministic();
};

/// Converts the `ARMADA_*` environment variables of `envp` into `--key=value` arguments.
std::vector<std::string> environment_arguments(char** envp);

/// A running armada process: the configuration, the CAF actor system and the clock. Neither
/// copyable nor movable; hold it in the unique_ptr that `start` returns.
class runtime {
public:
  /// Parses configuration (see `config`) and starts the actor system. Fails with an error that
  /// names the bad option; returns a null runtime when `--help` was printed.
  static caf::expected<std::unique_ptr<runtime>> start(int argc, char** argv);

  /// Starts an actor system from a prepared configuration.
  static std::unique_ptr<runtime> start(std::unique_ptr<config> cfg);

  explicit runtime(std::unique_ptr<config> cfg);
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  ~runtime();

  caf::actor_system& system() { return system_; }
  const config& cfg() const { return *cfg_; }
  armada::clock& clock() { return *clock_; }
  std::shared_ptr<armada::clock> shared_clock() const { return clock_; }

private:
  std::unique_ptr<config> cfg_; // options point into it: never moved
  std::shared_ptr<armada::clock> clock_;
  caf::actor_system system_;
};

} // namespace armada
