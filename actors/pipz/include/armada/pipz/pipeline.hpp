#pragma once

#include <chrono>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// The named entry point of a tree. Each call runs its root on a copy of the caller's context
/// that carries a fresh random `execution_id`, this pipeline's UUID as `pipeline_id`, and a
/// restarted `started` time (so error durations measure this call). Errors come back with the
/// path pipeline -> root .... The caller's context is not modified. Thread-safe.
template <class T> class pipeline final : public node<T> {
public:
  pipeline(pipz::identity id, ref<T> root)
    : node<T>(std::move(id))
    , root_(std::move(root)) {}

  result<T> process(context& ctx, T input) override {
    context local = ctx;
    local.execution_id = armada::uuid::random();
    local.pipeline_id = this->id_.id();
    local.started = std::chrono::steady_clock::now();
    return this->pass_up(root_->process(local, std::move(input)));
  }

  /// Same as `process` on a fresh context (no cancellation, no deadline).
  result<T> run(T input) {
    context ctx;
    return process(ctx, std::move(input));
  }

  const ref<T>& root() const { return root_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "pipeline");
    s.flow = "wrap";
    s.children.push_back(root_->schema());
    return s;
  }

  void close() override { root_->close(); }

private:
  ref<T> root_;
};

} // namespace armada::pipz
