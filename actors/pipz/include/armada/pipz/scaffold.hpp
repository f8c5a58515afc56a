#pragma once

#include <atomic>
#include <list>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/parallel.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// Options of `scaffold`.
struct scaffold_options {
  /// Receives `signals::scaffold_failed` (error) for each background child that fails.
  capitan::instance* signals = nullptr;
};

/// Fire-and-forget: starts every child in the background, each on its own thread with its own
/// copy of the input, and returns the input at once. The background work is detached from the
/// caller's cancellation and deadline (it outlives the call) but not from the scaffold:
/// `close()` (and the destructor) waits for every background child to finish, so no work is
/// leaked; `cancel()` requests stop on their tokens first. Failures are reported as
/// `signals::scaffold_failed`. After close, calls fail with `causes::rejected`. Thread-safe.
template <class T> class scaffold final : public node<T> {
public:
  scaffold(pipz::identity id, std::vector<ref<T>> children, scaffold_options opts = {})
    : node<T>(std::move(id))
    , children_(std::move(children))
    , opts_(opts) {}

  ~scaffold() override { join_all(); }

  result<T> process(context& ctx, T input) override {
    std::lock_guard guard{mtx_};
    if (closed_)
      return this->fail_with(
          ctx, std::move(input),
          std::make_exception_ptr(causes::rejected{"scaffold " + this->id_.name() + " is closed"}));
    reap();
    context background = ctx;
    background.stop = stop_.get_token();
    background.deadline = armada::clock::time_point::max();
    try {
      for (const auto& child : children_) {
        auto& t = tasks_.emplace_back();
        t.thread = std::jthread{[this, &t, child, background, value = T(input)]() mutable {
          run(*child, background, std::move(value));
          t.finished.store(true, std::memory_order_release);
        }};
      }
    } catch (...) {
      tasks_.pop_back(); // the thread that failed to start
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
    return input;
  }

  /// Background children still tracked (finished ones are released on the next call).
  std::size_t in_flight() const {
    std::lock_guard guard{mtx_};
    std::size_t n = 0;
    for (const auto& t : tasks_)
      n += t.finished.load(std::memory_order_acquire) ? 0 : 1;
    return n;
  }

  /// Requests stop on every running background child (they still get joined by `close`).
  void cancel() { stop_.request_stop(); }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "scaffold");
    s.flow = "background";
    for (const auto& c : children_)
      s.children.push_back(c->schema());
    return s;
  }

  /// Waits for every background child, then closes the children. Refuses later calls.
  void close() override {
    join_all();
    for (const auto& c : children_)
      c->close();
  }

private:
  struct task {
    std::jthread thread;
    std::atomic<bool> finished{false};
  };

  void run(chainable<T>& child, context ctx, T value) {
    auto r = detail::run_child(child, ctx, value, this->id_);
    if (!r.ok() && opts_.signals != nullptr)
      detail::emit(*opts_.signals, capitan::severity::error, signals::scaffold_failed, this->id_,
                   keys::error(r.error().message()));
  }

  // Requires mtx_.
  void reap() {
    tasks_.remove_if([](const task& t) { return t.finished.load(std::memory_order_acquire); });
  }

  void join_all() {
    std::list<task> joining;
    {
      std::lock_guard guard{mtx_};
      closed_ = true;
      joining.splice(joining.end(), tasks_);
    }
    joining.clear(); // joins each thread
  }

  std::vector<ref<T>> children_;
  scaffold_options opts_;
  std::stop_source stop_;
  mutable std::mutex mtx_;
  std::list<task> tasks_;
  bool closed_ = false;
};

} // namespace armada::pipz
