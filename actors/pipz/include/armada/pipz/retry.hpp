#pragma once

#include <cstddef>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// Options of `retry`.
struct retry_options {
  /// Attempts in total, the first one included (at least 1).
  std::size_t max_attempts = 3;
  /// Receives `signals::retry_attempt` (attempt, max_attempts, error) after each failed
  /// attempt that is retried, and `signals::retry_exhausted` after the last one.
  capitan::instance* signals = nullptr;
};

/// Runs its child again, at once, on a copy of the original input, until it succeeds or
/// `max_attempts` attempts failed (then: the last error, path: retry -> child ...). Does not
/// retry once the caller's stop is requested (the error is marked canceled). For waits
/// between attempts use `backoff`. Thread-safe.
template <class T> class retry final : public node<T> {
public:
  retry(pipz::identity id, ref<T> child, retry_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , opts_(opts) {
    if (opts_.max_attempts == 0)
      opts_.max_attempts = 1;
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
      if (opts_.signals != nullptr)
        detail::emit(*opts_.signals, capitan::severity::info, signals::retry_attempt, this->id_,
                     keys::attempt(static_cast<std::int64_t>(attempt)),
                     keys::max_attempts(static_cast<std::int64_t>(max)),
                     keys::error(r.error().message()));
    }
  }

  std::size_t max_attempts() const { return opts_.max_attempts; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "retry");
    s.flow = "wrap";
    s.metadata["max_attempts"] = opts_.max_attempts;
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  ref<T> child_;
  retry_options opts_;
};

} // namespace armada::pipz
