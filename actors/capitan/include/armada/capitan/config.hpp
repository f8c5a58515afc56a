#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/settings.hpp>

#include "armada/capitan/signal.hpp"

namespace armada::capitan {

/// What a full `block` queue does to the emitter.
enum class drop_policy : std::uint8_t {
  block,       ///< the emitter waits (until space, cancellation, deadline, teardown or shutdown)
  drop_newest, ///< the new event is dropped and counted as `queue_full`
};

/// Settings of one signal (or of every signal a glob matches). Unset members keep the
/// instance defaults.
struct signal_config {
  std::optional<std::int64_t> buffer_size{}; ///< queue bound in events, > 0 (default 16)
  std::optional<bool> disabled{};            ///< drop every emit (counted as `disabled`)
  std::optional<severity> min_severity{};    ///< drop emits below this (counted as `severity`)
  std::optional<std::int64_t> max_listeners{}; ///< hooks beyond this fail; 0 = unlimited
  std::optional<drop_policy> policy{};       ///< what a full queue does (default block)
  std::optional<double> rate_limit{};        ///< events per second, token bucket; 0 = off
  std::optional<std::int64_t> burst{};       ///< bucket size (default: max(1, rate_limit))
};

/// Per-signal configuration by exact name or glob (`*`, `?`, `[...]`). For a signal, an exact
/// entry beats any glob, and among globs the longest pattern wins. Apply it with
/// `instance::apply`; the affected signals change in place, keeping their queued events.
class config {
public:
  /// Adds (or replaces) the entry for `pattern`.
  config& set(std::string pattern, signal_config settings);

  /// When true (default), an exact name that no signal of this process carries is an error
  /// (a typo would otherwise configure nothing).
  config& strict(bool value) {
    strict_ = value;
    return *this;
  }

  /// Checks every entry; returns an error that names the entry and the fix.
  caf::error validate() const;

  /// The entry that applies to `name`, or null.
  const signal_config* match(std::string_view name) const;

  const std::vector<std::pair<std::string, signal_config>>& entries() const { return entries_; }

  /// Reads `capitan.signals.<pattern>.{buffer-size, disabled, min-severity, max-listeners,
  /// policy, rate-limit, burst}` from CAF settings (a config file or the command line).
  /// Quote patterns that contain dots: `signals { "order.*" { buffer-size = 64 } }`.
  static caf::expected<config> from_settings(const caf::settings& root);

private:
  std::vector<std::pair<std::string, signal_config>> entries_;
  bool strict_ = true;
};

/// Whether `pattern` contains glob characters.
bool is_glob(std::string_view pattern);

/// Glob match with `*`, `?` and `[...]` (fnmatch semantics, no special meaning for '.').
bool glob_match(std::string_view pattern, std::string_view name);

} // namespace armada::capitan
