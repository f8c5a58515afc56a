#pragma once

#include <chrono>
#include <stop_token>

#include "armada/runtime/clock.hpp"
#include "armada/runtime/uuid.hpp"

namespace armada::pipz {

/// What travels with one call through a pipeline. Passed by reference down the tree; a node
/// that narrows it (timeout, race, pipeline) hands its children a modified copy and never
/// changes the caller's. A context is a plain value: copy it per thread.
struct context {
  /// Cooperative cancellation: nodes stop between steps, and waits (backoff, rate limiter,
  /// worker pool queue) return early, once stop is requested. Leaf functions may poll it.
  std::stop_token stop;

  /// The latest time the call may run until, in the time of the clock the pipeline's
  /// time-dependent nodes use (`max()` = none). Set by `timeout`.
  armada::clock::time_point deadline = armada::clock::time_point::max();

  /// One id per `pipeline::process` call; nil outside a pipeline.
  armada::uuid execution_id;

  /// The identity UUID of the innermost `pipeline` the call runs in; nil outside one.
  armada::uuid pipeline_id;

  /// When the call started (real steady time); error durations are measured from it.
  /// `pipeline` restarts it for every call.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  /// Whether stop was requested.
  bool canceled() const { return stop.stop_requested(); }

  /// Real time since `started`.
  std::chrono::nanoseconds elapsed() const { return std::chrono::steady_clock::now() - started; }
};

} // namespace armada::pipz
