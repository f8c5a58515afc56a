#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// The state of a circuit breaker.
enum class breaker_state : std::uint8_t { closed, open, half_open };

/// "closed", "open" or "half_open".
std::string_view to_string(breaker_state s);

/// Options of `circuit_breaker`.
struct circuit_breaker_options {
  /// Consecutive failures (while closed) that open the breaker (at least 1).
  std::size_t failure_threshold = 5;
  /// How long the breaker stays open before it lets probes through.
  armada::clock::duration reset_timeout = std::chrono::seconds{30};
  /// Consecutive probe successes (while half-open) that close the breaker (at least 1).
  std::size_t success_threshold = 1;
  /// Probes allowed in flight at once while half-open (at least 1); more calls are rejected.
  std::size_t half_open_probes = 1;
  /// Time source of the reset timeout; `armada::real_clock::shared()` when null.
  std::shared_ptr<armada::clock> clock{};
  /// Receives `signals::circuit_breaker_opened` (failures, generation), `…_half_open`,
  /// `…_closed` (generation) and `…_rejected`.
  capitan::instance* signals = nullptr;
};

/// Stops calling a failing child. Closed: calls pass; `failure_threshold` consecutive
/// failures open it. Open: calls fail at once with `causes::circuit_open` until
/// `reset_timeout` passed, then the next call turns it half-open. Half-open: at most
/// `half_open_probes` calls run at once (others get `circuit_open`); a probe failure opens it
/// again, `success_threshold` probe successes close it.
///
/// Every state change starts a new generation. A call remembers the generation it was
/// admitted in, and its outcome counts only if that generation is still current: a slow call
/// from before a change never flips the new state. Thread-safe; the state lives under one
/// mutex, and signals are emitted after releasing it.
template <class T> class circuit_breaker final : public node<T> {
public:
  circuit_breaker(pipz::identity id, ref<T> child, circuit_breaker_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , opts_(std::move(opts)) {
    if (!opts_.clock)
      opts_.clock = armada::real_clock::shared();
    opts_.failure_threshold = std::max<std::size_t>(opts_.failure_threshold, 1);
    opts_.success_threshold = std::max<std::size_t>(opts_.success_threshold, 1);
    opts_.half_open_probes = std::max<std::size_t>(opts_.half_open_probes, 1);
  }

  result<T> process(context& ctx, T input) override {
    auto ticket = admit();
    announce(ticket.transition);
    if (!ticket.admitted) {
      if (opts_.signals != nullptr)
        detail::emit(*opts_.signals, capitan::severity::warn, signals::circuit_breaker_rejected,
                     this->id_, keys::generation(ticket.generation));
      return this->fail_with(ctx, std::move(input),
                             std::make_exception_ptr(causes::circuit_open{this->id_.name()}));
    }
    auto r = child_->process(ctx, std::move(input));
    announce(record(ticket, r.ok()));
    return this->pass_up(std::move(r));
  }

  /// The current state (an open breaker whose reset timeout passed still reads open until the
  /// next call).
  breaker_state state() const {
    std::lock_guard guard{mtx_};
    return state_;
  }

  /// The current generation (starts at 0; +1 per state change).
  std::uint64_t generation() const {
    std::lock_guard guard{mtx_};
    return generation_;
  }

  /// Consecutive failures counted while closed.
  std::size_t failures() const {
    std::lock_guard guard{mtx_};
    return failures_;
  }

  /// Forces the breaker closed (a new generation).
  void reset() {
    std::optional<change> c;
    {
      std::lock_guard guard{mtx_};
      if (state_ != breaker_state::closed)
        c = move_to(breaker_state::closed);
      failures_ = 0;
    }
    announce(c);
  }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "circuit_breaker");
    s.flow = "wrap";
    s.metadata["failure_threshold"] = opts_.failure_threshold;
    s.metadata["success_threshold"] = opts_.success_threshold;
    s.metadata["half_open_probes"] = opts_.half_open_probes;
    s.metadata["reset_timeout_ms"] = schema_ms(opts_.reset_timeout);
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  struct change {
    breaker_state to;
    std::uint64_t generation;
    std::size_t failures;
  };

  struct ticket_type {
    bool admitted = false;
    bool probe = false;
    std::uint64_t generation = 0;
    std::optional<change> transition;
  };

  // Requires mtx_.
  change move_to(breaker_state to) {
    state_ = to;
    ++generation_;
    probes_ = 0;
    successes_ = 0;
    if (to == breaker_state::open)
      opened_at_ = opts_.clock->now();
    return change{to, generation_, failures_};
  }

  ticket_type admit() {
    ticket_type t;
    std::lock_guard guard{mtx_};
    if (state_ == breaker_state::open) {
      if (opts_.clock->now() - opened_at_ < opts_.reset_timeout) {
        t.generation = generation_;
        return t;
      }
      t.transition = move_to(breaker_state::half_open);
    }
    if (state_ == breaker_state::half_open) {
      if (probes_ >= opts_.half_open_probes) {
        t.generation = generation_;
        return t;
      }
      ++probes_;
      t.probe = true;
    }
    t.admitted = true;
    t.generation = generation_;
    return t;
  }

  std::optional<change> record(const ticket_type& t, bool ok) {
    std::lock_guard guard{mtx_};
    if (t.generation != generation_)
      return std::nullopt; // stale: admitted before the last state change
    if (state_ == breaker_state::closed) {
      if (ok) {
        failures_ = 0;
        return std::nullopt;
      }
      if (++failures_ >= opts_.failure_threshold)
        return move_to(breaker_state::open);
      return std::nullopt;
    }
    // half-open (an open breaker admits nothing in its own generation)
    if (t.probe && probes_ > 0)
      --probes_;
    if (!ok)
      return move_to(breaker_state::open);
    if (++successes_ >= opts_.success_threshold) {
      failures_ = 0;
      return move_to(breaker_state::closed);
    }
    return std::nullopt;
  }

  void announce(const std::optional<change>& c) const {
    if (!c || opts_.signals == nullptr)
      return;
    switch (c->to) {
    case breaker_state::open:
      detail::emit(*opts_.signals, capitan::severity::warn, signals::circuit_breaker_opened,
                   this->id_, keys::failures(static_cast<std::int64_t>(c->failures)),
                   keys::generation(c->generation));
      break;
    case breaker_state::half_open:
      detail::emit(*opts_.signals, capitan::severity::info, signals::circuit_breaker_half_open,
                   this->id_, keys::generation(c->generation));
      break;
    case breaker_state::closed:
      detail::emit(*opts_.signals, capitan::severity::info, signals::circuit_breaker_closed,
                   this->id_, keys::generation(c->generation));
      break;
    }
  }

  ref<T> child_;
  circuit_breaker_options opts_;
  mutable std::mutex mtx_;
  breaker_state state_ = breaker_state::closed;
  std::uint64_t generation_ = 0;
  std::size_t failures_ = 0;
  std::size_t successes_ = 0;
  std::size_t probes_ = 0;
  armada::clock::time_point opened_at_{};
};

} // namespace armada::pipz
