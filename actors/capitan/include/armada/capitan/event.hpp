#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"
#include "armada/capitan/stats.hpp"

namespace armada::capitan {

/// What travels with an emit besides the fields: a cancellation token, an optional deadline
/// for a blocking emit, and the trace and correlation ids that herald carries across processes.
struct context {
  /// When stop is requested, a queued event is skipped and a blocked emit returns.
  std::stop_token cancel{};
  /// A blocked emit (full `block` queue) gives up at this time (steady clock).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  /// W3C trace id (32 hex digits), or empty.
  std::string trace_id{};
  /// Correlation id of a request/response exchange, or empty.
  std::string correlation_id{};
};

/// What happened to one tracked emit (see `instance::emit_tracked`), reported exactly once.
struct delivery {
  bool delivered = false;               ///< every hook of the signal ran for this event
  std::optional<drop_reason> dropped{}; ///< or why the hooks did not run
  std::size_t hooks = 0;                ///< hooks called
  std::size_t failed = 0;               ///< hooks that threw
  std::exception_ptr first_error{};     ///< the first exception a hook threw
};

/// Called once per tracked emit: in the topic actor after the hooks returned, inline in sync
/// mode, or on the emitting thread when the emit was dropped. Must not block.
using delivery_callback = std::function<void(const delivery&)>;

/// An emitted event: signal, timestamp (taken when emit starts), severity, fields and context.
/// Immutable and reference-counted: copying is cheap and a hook may keep an event after it
/// returns. All member functions are thread-safe.
class event {
public:
  struct data {
    capitan::signal sig;
    time_point timestamp;
    capitan::severity level;
    std::vector<capitan::field> fields;
    std::shared_ptr<const capitan::context> ctx; // null: no context
    bool replay = false;
    delivery_callback on_delivered{}; // set by emit_tracked; called once
  };

  event() = default;
  explicit event(std::shared_ptr<const data> d) : data_(std::move(d)) {}

  /// Makes an event now (wall clock) from its parts.
  static event make(const capitan::signal& s, capitan::severity level,
                    std::vector<capitan::field> fields,
                    std::shared_ptr<const capitan::context> ctx = nullptr,
                    time_point timestamp = std::chrono::system_clock::now());

  bool valid() const { return data_ != nullptr; }
  const capitan::signal& signal() const { return data_->sig; }
  time_point timestamp() const { return data_->timestamp; }
  capitan::severity level() const { return data_->level; }
  const std::vector<capitan::field>& fields() const { return data_->fields; }

  /// The field named `name` (the last one wins), or null.
  const capitan::field* find(std::string_view name) const;

  /// Whether this delivery is a `replay` of a stored event.
  bool is_replay() const { return data_->replay; }

  /// Whether the emitter's token was cancelled.
  bool cancelled() const { return data_->ctx && data_->ctx->cancel.stop_requested(); }

  const std::string& trace_id() const;
  const std::string& correlation_id() const;
  const std::shared_ptr<const capitan::context>& ctx() const { return data_->ctx; }

  /// A copy marked as replay.
  event as_replay() const;

  const std::shared_ptr<const data>& get() const { return data_; }

  /// Takes the data out (no reference count change), leaving this event empty.
  std::shared_ptr<const data> release() && { return std::move(data_); }

private:
  std::shared_ptr<const data> data_;
};

} // namespace armada::capitan
