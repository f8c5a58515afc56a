#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/deadline_timer.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// Options of `timeout`.
struct timeout_options {
  /// Time source of the deadline and its timer; `armada::real_clock::shared()` when null.
  std::shared_ptr<armada::clock> clock{};
  /// Receives `signals::timeout_fired` (after) when the deadline passes.
  capitan::instance* signals = nullptr;
};

/// Bounds its child's run time, cooperatively, without a thread per call: each call narrows
/// the context's deadline to now + `after`, gives the child a stop token of its own (also
/// requested when the caller's is), and registers with ONE clock timer shared by all of this
/// node's in-flight calls (see `detail::deadline_timer`), which requests the stop of every
/// call whose deadline passed. The child runs on the caller's thread.
///
/// The timeout WAITS for its child: it returns when the child returns, never detaching it.
/// A child that polls `ctx.stop` (or waits through pipz nodes, which all honour it) returns
/// soon after the deadline; one that ignores it delays the caller until it finishes. When the
/// deadline fired, the call fails with `causes::timeout` (timed_out flag set, input: the
/// timeout's input), even if the child then finished successfully.
template <class T> class timeout final : public node<T> {
public:
  timeout(pipz::identity id, ref<T> child, armada::clock::duration after, timeout_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , after_(after)
    , signals_(opts.signals)
    , timer_(opts.clock ? std::move(opts.clock) : armada::real_clock::shared()) {}

  result<T> process(context& ctx, T input) override {
    auto when = timer_.clock().now() + after_;
    std::stop_source stop;
    std::stop_callback link{ctx.stop, [&stop] { stop.request_stop(); }};
    context local = ctx;
    local.stop = stop.get_token();
    local.deadline = std::min(ctx.deadline, when);
    detail::deadline_timer::waiter w{when, stop};
    timer_.add(w);
    T kept = input;
    std::optional<result<T>> r;
    try {
      r.emplace(child_->process(local, std::move(input)));
    } catch (...) {
      timer_.remove(w);
      throw;
    }
    if (!timer_.remove(w))
      return this->pass_up(std::move(*r));
    if (signals_ != nullptr)
      detail::emit(*signals_, capitan::severity::warn, signals::timeout_fired, this->id_,
                   keys::after(std::chrono::duration_cast<std::chrono::nanoseconds>(after_)));
    return this->fail_with(ctx, std::move(kept),
                           std::make_exception_ptr(causes::timeout{this->id_.name(), after_}));
  }

  armada::clock::duration after() const { return after_; }

  /// Clock timers this node has armed right now (0 or 1 in steady state).
  std::size_t armed_timers() const { return timer_.armed(); }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "timeout");
    s.flow = "wrap";
    s.metadata["timeout_ms"] = schema_ms(after_);
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  ref<T> child_;
  armada::clock::duration after_;
  capitan::instance* signals_;
  detail::deadline_timer timer_;
};

} // namespace armada::pipz
