#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"

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

private:
  std::shared_ptr<const data> data_;
};

} // namespace armada::capitan
