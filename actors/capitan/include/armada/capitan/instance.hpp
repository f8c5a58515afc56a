#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include "armada/capitan/actors.hpp"
#include "armada/capitan/config.hpp"
#include "armada/capitan/event.hpp"
#include "armada/capitan/stats.hpp"
#include "armada/runtime/clock.hpp"

namespace armada::capitan {

namespace detail {
class registry;
struct observer_impl;
} // namespace detail

/// A hook: `void(const event&)`. It runs in the signal's topic actor (or inline in sync mode).
using callback = std::function<void(const event&)>;

/// Called with the signal and the exception when a hook throws. Runs in the topic actor.
using hook_error_handler = std::function<void(const signal&, std::exception_ptr)>;

/// What happened to an emit.
struct emit_result {
  bool queued = false;                  ///< accepted (queued, or delivered in sync mode)
  std::optional<drop_reason> dropped;   ///< why not, when not
  explicit operator bool() const { return queued; }
};

/// The handle of one hook. Copyable; closing any copy closes the hook.
class listener {
public:
  listener() = default;
  explicit listener(listener_ptr impl) : impl_(std::move(impl)) {}

  /// Stops delivery: events queued before the call are still delivered, none after. Never
  /// blocks, so it may be called from inside any hook (the same signal's included).
  /// Idempotent.
  void close();

  /// Waits until every event queued before the call was delivered, without unregistering.
  /// Blocks the caller: do not call from inside a hook.
  void drain();

  bool closed() const;
  bool valid() const { return impl_ != nullptr; }
  const listener_ptr& impl() const { return impl_; }

private:
  listener_ptr impl_;
};

/// The handle of an observer (a hook on many signals). Copyable.
class observer {
public:
  observer() = default;
  explicit observer(std::shared_ptr<detail::observer_impl> impl) : impl_(std::move(impl)) {}

  /// Closes every hook of this observer, including on signals first seen later.
  void close();
  /// Drains every signal this observer is attached to (see `listener::drain`).
  void drain();
  bool closed() const;

private:
  std::shared_ptr<detail::observer_impl> impl_;
};

/// Options of an instance that are not per signal.
struct instance_options {
  /// Deliver inline on the emitting thread: no topic actors, no queues (for deterministic
  /// tests and for benchmarks of the hooks themselves).
  bool sync = false;
  /// Defaults for signals without a config entry.
  std::int64_t buffer_size = 16;
  drop_policy policy = drop_policy::block;
  /// Clock of rate limiters; the process clock when null.
  std::shared_ptr<armada::clock> clock{};
};

/// A capitan instance: a broker actor, one topic actor per signal, and the facade around them.
/// Every member function is thread-safe. Instances are independent of each other; a
/// process-wide default instance is available through `default_instance()`.
class instance {
public:
  /// Spawns the broker actor in `sys`. With CAF's test coordinator as scheduler, the instance
  /// never blocks an emitter (events simply queue until the test runs the scheduler).
  explicit instance(caf::actor_system& sys, instance_options opts = {});

  /// Shuts down (lossless: queued events are delivered first).
  ~instance();

  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  // -- emitting ---------------------------------------------------------------

  /// Emits an event with severity info. Returns whether it was queued and, if not, why.
  template <class... Fields>
  emit_result emit(const signal& s, Fields&&... fs) {
    return emit_in_place(nullptr, s, severity::info, std::forward<Fields>(fs)...);
  }

  /// Emits with a context: cancellation token, blocking deadline, trace and correlation ids.
  template <class... Fields>
  emit_result emit(const context& ctx, const signal& s, Fields&&... fs) {
    return emit_in_place(std::make_shared<const context>(ctx), s, severity::info,
                         std::forward<Fields>(fs)...);
  }

  template <class... Fields>
  emit_result debug(const signal& s, Fields&&... fs) {
    return emit_in_place(nullptr, s, severity::debug, std::forward<Fields>(fs)...);
  }
  template <class... Fields>
  emit_result info(const signal& s, Fields&&... fs) {
    return emit_in_place(nullptr, s, severity::info, std::forward<Fields>(fs)...);
  }
  template <class... Fields>
  emit_result warn(const signal& s, Fields&&... fs) {
    return emit_in_place(nullptr, s, severity::warn, std::forward<Fields>(fs)...);
  }
  template <class... Fields>
  emit_result error(const signal& s, Fields&&... fs) {
    return emit_in_place(nullptr, s, severity::error, std::forward<Fields>(fs)...);
  }

  /// The general form of every emit.
  emit_result emit_with(std::shared_ptr<const context> ctx, const signal& s, severity level,
                        std::vector<field> fields);

  /// Like `emit_with`, and reports once what happened to the event: delivered to every hook
  /// (with the hooks' failures) or dropped (with the reason). This is how herald acks a message
  /// only after every hook for its event returned.
  emit_result emit_tracked(std::shared_ptr<const context> ctx, const signal& s, severity level,
                           std::vector<field> fields, delivery_callback done,
                           std::optional<time_point> timestamp = std::nullopt);

  /// Whether `s` has a hook or an observer now. Lets a frequent emitter skip building fields
  /// nobody would see (an emit without listeners is dropped as `no_listener` anyway).
  bool has_listeners(const signal& s) const;

  /// Redelivers a stored event synchronously on the calling thread to the current listeners
  /// of its signal, marked as replay. Returns the number of hooks called.
  std::size_t replay(const event& e);

  // -- listening --------------------------------------------------------------

  /// Registers a hook. Throws std::length_error when the signal's `max_listeners` is reached.
  listener hook(const signal& s, callback fn);

  /// A hook that runs for exactly one event, even under concurrent emits, then closes itself.
  listener hook_once(const signal& s, callback fn);

  /// A hook on every signal, including signals first seen later.
  observer observe(callback fn);

  /// A hook on the listed signals only.
  observer observe(callback fn, std::vector<signal> whitelist);

  /// Installs the handler for hooks that throw (replaces the previous one).
  void on_hook_error(hook_error_handler handler);

  // -- configuration and lifecycle ---------------------------------------------

  /// Validates and applies per-signal configuration. Affected signals change in place: queued
  /// events are kept, blocked emitters re-check the new bounds. Returns the validation error.
  caf::error apply(const config& cfg);

  /// Delivers every event queued so far. Blocks the caller (not from inside a hook).
  void drain();

  /// Drains, then refuses new emits (dropped as `shutdown`) and stops the topic actors.
  /// Idempotent; wakes blocked emitters.
  void shutdown();

  bool is_shut_down() const;

  // -- inspection ---------------------------------------------------------------

  /// Counters per signal (see `stats`). Same content as `get_state` on the broker actor.
  capitan::instance_stats stats() const;

  broker_actor broker() const { return broker_; }

  /// The topic actor of `s`, or an invalid handle when none was created yet.
  topic_actor topic(const signal& s) const;

  caf::actor_system& system() const { return sys_; }
  bool sync() const;

private:
  // The typed emits build their fields on the stack and move them into the event: the event's
  // storage is reused from earlier events, so an emit allocates no field vector of its own.
  template <class... Fields>
  emit_result emit_in_place(std::shared_ptr<const context> ctx, const signal& s, severity level,
                            Fields&&... fs) {
    if constexpr (sizeof...(Fields) == 0) {
      return emit_impl(std::move(ctx), s, level, nullptr, {}, nullptr, std::nullopt);
    } else {
      field fields[] = {field(std::forward<Fields>(fs))...};
      return emit_impl(std::move(ctx), s, level, nullptr, std::span<field>{fields}, nullptr,
                       std::nullopt);
    }
  }

  // Every emit ends here; the fields come either as a vector to take over (`owned`) or as
  // values to move from (`moved`).
  emit_result emit_impl(std::shared_ptr<const context> ctx, const signal& s, severity level,
                        std::vector<field>* owned, std::span<field> moved, delivery_callback done,
                        std::optional<time_point> timestamp);

  caf::actor_system& sys_;
  std::shared_ptr<detail::registry> reg_;
  broker_actor broker_;
};

/// While one lives on a thread, emits on that thread never wait for a full `block` queue: the
/// event is queued beyond the bound instead (as emits from inside a hook already are), and
/// `drain` refuses to run (it would wait for work that may need this very thread). Actors
/// that emit — saga actors, bridges — hold one in their handlers: a CAF scheduler thread
/// blocked on a full queue could be the thread that queue's topic actor needs to drain it.
class non_blocking_scope {
public:
  non_blocking_scope();
  ~non_blocking_scope();
  non_blocking_scope(const non_blocking_scope&) = delete;
  non_blocking_scope& operator=(const non_blocking_scope&) = delete;
};

/// The process-wide default instance. Created on first use with its own actor system, unless
/// `set_default_instance` installed one before.
instance& default_instance();

/// Makes `inst` the default instance (call before the first use of the free functions). The
/// caller keeps `inst` alive until exit.
void set_default_instance(instance* inst);

} // namespace armada::capitan
