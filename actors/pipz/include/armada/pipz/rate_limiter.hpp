#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// What a rate limiter does with a call that finds no token.
enum class limiter_mode : std::uint8_t {
  wait, ///< the call waits for its token (reserved in arrival order)
  drop, ///< the call fails at once with `causes::rate_limited`
};

/// Options of `rate_limiter`.
struct rate_limiter_options {
  /// Tokens added per second (> 0).
  double rate = 100.0;
  /// Bucket size: the most calls that may pass at once after a quiet period (at least 1).
  /// The bucket starts full.
  std::size_t burst = 1;
  limiter_mode mode = limiter_mode::wait;
  /// Time source of the refill and the waits; `armada::real_clock::shared()` when null.
  std::shared_ptr<armada::clock> clock{};
  /// Receives `signals::rate_limiter_dropped` and `signals::rate_limiter_waited` (waited).
  capitan::instance* signals = nullptr;
};

/// A token bucket in front of its child: `rate` tokens per second, at most `burst` stored,
/// one token per call. Without a token, drop mode fails the call with `causes::rate_limited`;
/// wait mode reserves the next token (so waiters are served in arrival order) and sleeps on
/// the clock until it is due, with the context's stop token (a cancelled wait returns its
/// token and fails with `causes::canceled`). A wait that would end after the context's
/// deadline is not started: the call fails with `causes::rate_limited` at once.
/// Thread-safe; the bucket lives under one mutex, never held while waiting or emitting.
template <class T> class rate_limiter final : public node<T> {
public:
  rate_limiter(pipz::identity id, ref<T> child, rate_limiter_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , opts_(std::move(opts)) {
    if (!opts_.clock)
      opts_.clock = armada::real_clock::shared();
    if (!(opts_.rate > 0.0))
      opts_.rate = 1.0;
    opts_.burst = std::max<std::size_t>(opts_.burst, 1);
    tokens_ = static_cast<double>(opts_.burst);
    last_ = opts_.clock->now();
  }

  result<T> process(context& ctx, T input) override {
    armada::clock::time_point wake{};
    bool must_wait = false;
    bool dropped = false;
    {
      std::lock_guard guard{mtx_};
      auto now = opts_.clock->now();
      refill(now);
      if (tokens_ >= 1.0 - epsilon) {
        tokens_ -= 1.0;
      } else if (opts_.mode == limiter_mode::drop) {
        dropped = true;
      } else {
        tokens_ -= 1.0; // reserve: the bucket goes into debt
        auto debt_ns = std::ceil(-tokens_ * 1e9 / opts_.rate);
        wake = now + std::chrono::nanoseconds{static_cast<std::int64_t>(debt_ns)};
        if (wake > ctx.deadline) {
          tokens_ += 1.0;
          dropped = true;
        } else {
          must_wait = true;
        }
      }
    }
    if (dropped) {
      if (opts_.signals != nullptr)
        detail::emit(*opts_.signals, capitan::severity::warn, signals::rate_limiter_dropped,
                     this->id_);
      return this->fail_with(ctx, std::move(input),
                             std::make_exception_ptr(causes::rate_limited{this->id_.name()}));
    }
    if (must_wait) {
      auto started = opts_.clock->now();
      if (!opts_.clock->sleep_until(wake, ctx.stop)) {
        {
          std::lock_guard guard{mtx_};
          refill(opts_.clock->now());
          tokens_ = std::min(tokens_ + 1.0, static_cast<double>(opts_.burst));
        }
        return this->fail_with(ctx, std::move(input), std::make_exception_ptr(causes::canceled{}));
      }
      if (opts_.signals != nullptr)
        detail::emit(*opts_.signals, capitan::severity::info, signals::rate_limiter_waited,
                     this->id_,
                     keys::waited(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         opts_.clock->now() - started)));
    }
    return this->pass_up(child_->process(ctx, std::move(input)));
  }

  /// Tokens in the bucket now (negative while calls wait for reserved tokens).
  double tokens() const {
    std::lock_guard guard{mtx_};
    auto elapsed = std::chrono::duration<double>(opts_.clock->now() - last_).count();
    return std::min(tokens_ + elapsed * opts_.rate, static_cast<double>(opts_.burst));
  }

  const rate_limiter_options& options() const { return opts_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "rate_limiter");
    s.flow = "wrap";
    s.metadata["rate"] = opts_.rate;
    s.metadata["burst"] = opts_.burst;
    s.metadata["mode"] = opts_.mode == limiter_mode::wait ? "wait" : "drop";
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  // Tolerance for the floating-point refill (e.g. 0.1 s * 10/s).
  static constexpr double epsilon = 1e-9;

  // Requires mtx_.
  void refill(armada::clock::time_point now) {
    if (now <= last_)
      return;
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(tokens_ + elapsed * opts_.rate, static_cast<double>(opts_.burst));
    last_ = now;
  }

  ref<T> child_;
  rate_limiter_options opts_;
  mutable std::mutex mtx_;
  double tokens_ = 0.0;
  armada::clock::time_point last_{};
};

} // namespace armada::pipz
