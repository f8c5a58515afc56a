#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// What a worker pool does with a call that finds its queue full.
enum class pool_full : std::uint8_t {
  reject, ///< fail at once with `causes::rejected` (and `signals::worker_pool_rejected`)
  wait,   ///< wait for room, until the caller's stop is requested
};

/// Options of `worker_pool`.
struct worker_pool_options {
  /// Worker threads (at least 1), started by the constructor and joined by `close()`.
  std::size_t workers = 4;
  /// Calls that may wait for a worker (at least 1); calls being processed do not count.
  std::size_t queue_capacity = 64;
  pool_full when_full = pool_full::reject;
  /// Receives `signals::worker_pool_rejected` (capacity) for each refused call.
  capitan::instance* signals = nullptr;
};

/// Runs its child on a fixed set of worker threads fed by a bounded FIFO queue, so at most
/// `workers` calls run the child at once. `process` enqueues the call and blocks the caller
/// until a worker finished it, then returns the child's result. A queue that is full rejects
/// or makes the caller wait (see `pool_full`). Cancelling the caller while its call is still
/// queued removes it (`causes::canceled`); once a worker runs it, the child sees the stop
/// token and the caller waits for it. `close()` lets the workers finish every queued call,
/// joins them, and refuses later calls (`causes::rejected`). Thread-safe.
template <class T> class worker_pool final : public node<T> {
public:
  worker_pool(pipz::identity id, ref<T> child, worker_pool_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , opts_(opts) {
    opts_.workers = std::max<std::size_t>(opts_.workers, 1);
    opts_.queue_capacity = std::max<std::size_t>(opts_.queue_capacity, 1);
    workers_.reserve(opts_.workers);
    for (std::size_t i = 0; i < opts_.workers; ++i)
      workers_.emplace_back([this] { work(); });
  }

  ~worker_pool() override { stop_workers(); }

  result<T> process(context& ctx, T input) override {
    job j{&ctx, &input, std::nullopt};
    std::unique_lock lock{mtx_};
    if (!closed_ && queue_.size() >= opts_.queue_capacity && opts_.when_full == pool_full::wait)
      room_.wait(lock, ctx.stop,
                 [this] { return closed_ || queue_.size() < opts_.queue_capacity; });
    if (closed_ || queue_.size() >= opts_.queue_capacity) {
      bool was_closed = closed_;
      lock.unlock();
      if (!was_closed && ctx.canceled())
        return cancelled(ctx, std::move(input));
      if (opts_.signals != nullptr)
        detail::emit(*opts_.signals, capitan::severity::warn, signals::worker_pool_rejected,
                     this->id_, keys::capacity(static_cast<std::int64_t>(opts_.queue_capacity)));
      return this->fail_with(
          ctx, std::move(input),
          std::make_exception_ptr(
              causes::rejected{was_closed ? "worker pool " + this->id_.name() + " is closed"
                                          : "worker pool " + this->id_.name() + " queue is full"}));
    }
    queue_.push_back(&j);
    work_.notify_one();
    done_.wait(lock, ctx.stop, [&j] { return j.done; });
    if (!j.done) {
      if (!j.taken) {
        queue_.erase(std::find(queue_.begin(), queue_.end(), &j));
        room_.notify_one();
        lock.unlock();
        return cancelled(ctx, std::move(input));
      }
      done_.wait(lock, [&j] { return j.done; });
    }
    lock.unlock();
    return this->pass_up(std::move(*j.out));
  }

  /// Calls waiting in the queue now.
  std::size_t queued() const {
    std::lock_guard guard{mtx_};
    return queue_.size();
  }

  const worker_pool_options& options() const { return opts_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "worker_pool");
    s.flow = "pool";
    s.metadata["workers"] = opts_.workers;
    s.metadata["queue_capacity"] = opts_.queue_capacity;
    s.metadata["when_full"] = opts_.when_full == pool_full::reject ? "reject" : "wait";
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override {
    stop_workers();
    child_->close();
  }

private:
  struct job {
    context* ctx;
    T* value;
    std::optional<result<T>> out;
    bool taken = false;
    bool done = false;
  };

  result<T> cancelled(context& ctx, T input) {
    return this->fail_with(ctx, std::move(input), std::make_exception_ptr(causes::canceled{}));
  }

  void work() {
    std::unique_lock lock{mtx_};
    for (;;) {
      work_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (queue_.empty())
        return; // closed and drained
      job* j = queue_.front();
      queue_.pop_front();
      j->taken = true;
      room_.notify_one();
      lock.unlock();
      std::optional<result<T>> r;
      try {
        r.emplace(child_->process(*j->ctx, std::move(*j->value)));
      } catch (...) {
        r.emplace(this->fail_with(*j->ctx, std::move(*j->value), std::current_exception()));
      }
      lock.lock();
      j->out = std::move(r);
      j->done = true;
      done_.notify_all();
    }
  }

  void stop_workers() {
    std::vector<std::jthread> joining;
    {
      std::lock_guard guard{mtx_};
      closed_ = true;
      joining.swap(workers_);
    }
    work_.notify_all();
    room_.notify_all();
    joining.clear(); // joins
  }

  ref<T> child_;
  worker_pool_options opts_;
  mutable std::mutex mtx_;
  std::condition_variable_any work_;
  std::condition_variable_any room_;
  std::condition_variable_any done_;
  std::deque<job*> queue_;
  bool closed_ = false;
  std::vector<std::jthread> workers_;
};

} // namespace armada::pipz
