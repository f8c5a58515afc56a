#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// Options of `backoff`.
struct backoff_options {
  /// Attempts in total, the first one included (at least 1).
  std::size_t max_attempts = 3;
  /// Wait after the first failure; each later wait is `multiplier` times the previous one.
  armada::clock::duration base_delay = std::chrono::milliseconds{100};
  double multiplier = 2.0;
  /// No wait is longer than this (the cap is applied before jitter).
  armada::clock::duration max_delay = std::chrono::seconds{30};
  /// Fraction in [0, 1]: each wait is shortened by a random part of up to `jitter` of it,
  /// so callers that failed together do not retry together. 0 = exact waits.
  double jitter = 0.0;
  /// Time source of the waits; `armada::real_clock::shared()` when null.
  std::shared_ptr<armada::clock> clock{};
  /// Receives `signals::retry_attempt` (attempt, max_attempts, delay, error) before each
  /// wait and `signals::retry_exhausted` after the last failure.
  capitan::instance* signals = nullptr;
};

namespace detail {
/// A uniform random number in [0, 1) from a per-thread generator.
double unit_random();
} // namespace detail

/// The wait after failed attempt `attempt` (1-based) under `opts`, given a random `u` in
/// [0, 1): `min(max_delay, base_delay * multiplier^(attempt-1)) * (1 - jitter * u)`. Shared by
/// `backoff` and every other retry schedule of armada (saga steps, reconnects).
inline armada::clock::duration backoff_delay(const backoff_options& opts, std::size_t attempt,
                                             double u) {
  using rep_seconds = std::chrono::duration<double>;
  double d = std::chrono::duration_cast<rep_seconds>(opts.base_delay).count();
  double cap = std::chrono::duration_cast<rep_seconds>(opts.max_delay).count();
  for (std::size_t i = 1; i < attempt && d < cap; ++i)
    d *= opts.multiplier;
  if (d > cap)
    d = cap;
  double jitter = opts.jitter < 0.0 ? 0.0 : (opts.jitter > 1.0 ? 1.0 : opts.jitter);
  d *= 1.0 - jitter * u;
  return std::chrono::duration_cast<armada::clock::duration>(rep_seconds{d});
}

/// Like `retry`, with a wait between attempts: exponential, capped, optionally jittered.
/// Waits with `clock.sleep_until(…, ctx.stop)`, so a cancelled or timed-out caller stops
/// waiting at once (the last error comes back, marked canceled). When a wait would end after
/// the context's deadline, it gives up at once with the last error, marked timed out.
/// Blocks the calling thread while waiting. Thread-safe.
template <class T> class backoff final : public node<T> {
public:
  backoff(pipz::identity id, ref<T> child, backoff_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , opts_(std::move(opts)) {
    if (opts_.max_attempts == 0)
      opts_.max_attempts = 1;
    if (!opts_.clock)
      opts_.clock = armada::real_clock::shared();
    if (!(opts_.jitter >= 0.0))
      opts_.jitter = 0.0;
    if (opts_.jitter > 1.0)
      opts_.jitter = 1.0;
  }

  /// The wait after failed attempt `attempt` (see `backoff_delay`).
  armada::clock::duration delay_for(std::size_t attempt, double u) const {
    return backoff_delay(opts_, attempt, u);
  }

  result<T> process(context& ctx, T input) override {
    const auto max = opts_.max_attempts;
    for (std::size_t attempt = 1;; ++attempt) {
      auto r =
          attempt < max ? child_->process(ctx, T(input)) : child_->process(ctx, std::move(input));
      if (r.ok())
        return r;
      if (ctx.canceled()) {
        r.error().set_canceled();
        return this->pass_up(std::move(r));
      }
      if (attempt >= max) {
        if (opts_.signals != nullptr)
          detail::emit(*opts_.signals, capitan::severity::warn, signals::retry_exhausted, this->id_,
                       keys::attempt(static_cast<std::int64_t>(attempt)),
                       keys::max_attempts(static_cast<std::int64_t>(max)),
                       keys::error(r.error().message()));
        return this->pass_up(std::move(r));
      }
      auto delay = delay_for(attempt, opts_.jitter > 0 ? detail::unit_random() : 0.0);
      auto wake = opts_.clock->now() + delay;
      if (wake > ctx.deadline) {
        r.error().set_timed_out();
        return this->pass_up(std::move(r));
      }
      if (opts_.signals != nullptr)
        detail::emit(*opts_.signals, capitan::severity::info, signals::retry_attempt, this->id_,
                     keys::attempt(static_cast<std::int64_t>(attempt)),
                     keys::max_attempts(static_cast<std::int64_t>(max)),
                     keys::delay(std::chrono::duration_cast<std::chrono::nanoseconds>(delay)),
                     keys::error(r.error().message()));
      if (!opts_.clock->sleep_until(wake, ctx.stop)) {
        r.error().set_canceled();
        return this->pass_up(std::move(r));
      }
    }
  }

  const backoff_options& options() const { return opts_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "backoff");
    s.flow = "wrap";
    s.metadata["max_attempts"] = opts_.max_attempts;
    s.metadata["base_delay_ms"] = schema_ms(opts_.base_delay);
    s.metadata["max_delay_ms"] = schema_ms(opts_.max_delay);
    s.metadata["multiplier"] = opts_.multiplier;
    s.metadata["jitter"] = opts_.jitter;
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  ref<T> child_;
  backoff_options opts_;
};

} // namespace armada::pipz
