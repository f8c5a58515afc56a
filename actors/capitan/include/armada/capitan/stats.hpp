#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "armada/capitan/signal.hpp"

namespace armada::capitan {

/// Why an emit did not reach the hooks.
enum class drop_reason : std::uint8_t {
  no_listener, cancelled, shutdown, queue_full, disabled, severity, rate_limit,
};
inline constexpr std::size_t drop_reason_count = 7;

/// "no_listener", "cancelled", "shutdown", "queue_full", "disabled", "severity", "rate_limit".
std::string_view to_string(drop_reason r);

/// Counters and shape of one signal.
struct signal_stats {
  std::string name;
  bool has_topic_actor = false;
  std::int64_t queue_depth = 0;     ///< events queued in the topic actor's mailbox
  std::int64_t buffer_size = 0;     ///< the queue bound in force
  std::uint64_t listeners = 0;      ///< hooks and observers attached
  std::uint64_t emitted = 0;        ///< emit calls, dropped or not
  std::uint64_t delivered = 0;      ///< events handed to the hooks
  std::uint64_t hook_errors = 0;    ///< hooks that threw
  std::int64_t waiting_emitters = 0; ///< emitters blocked on a full `block` queue right now
  std::array<std::uint64_t, drop_reason_count> drops{};
  /// Field schema: every key seen on this signal with its variant ("order_id" → "string").
  std::vector<std::pair<std::string, std::string>> fields;

  std::uint64_t dropped(drop_reason r) const { return drops[static_cast<std::size_t>(r)]; }
  std::uint64_t dropped() const;

  template <class Inspector>
  friend auto inspect(Inspector& f, signal_stats& x) {
    return f(x.name, x.has_topic_actor, x.queue_depth, x.buffer_size, x.listeners, x.emitted,
             x.delivered, x.hook_errors, x.waiting_emitters, x.drops, x.fields);
  }
};

/// Counters of a capitan instance, one entry per signal seen, sorted by name.
struct instance_stats {
  std::vector<signal_stats> signals;
  std::uint64_t topic_actors = 0;
  std::uint64_t observers = 0;
  bool shut_down = false;

  /// The entry of `s`, or null when the instance never saw it.
  const signal_stats* find(const signal& s) const;
  std::uint64_t emitted(const signal& s) const;
  std::uint64_t delivered(const signal& s) const;
  std::uint64_t dropped(const signal& s, drop_reason r) const;
  /// Sum over all signals.
  std::uint64_t dropped(drop_reason r) const;

  template <class Inspector>
  friend auto inspect(Inspector& f, instance_stats& x) {
    return f(x.signals, x.topic_actors, x.observers, x.shut_down);
  }
};

} // namespace armada::capitan
