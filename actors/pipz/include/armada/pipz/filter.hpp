#pragma once

#include <functional>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// Runs its child only when `condition(ctx, value)` holds; otherwise the value passes through
/// unchanged. A child error comes back with the path filter -> child ...; an exception from
/// the condition becomes the error. Thread-safe when the condition is.
template <class T> class filter final : public node<T> {
public:
  using condition = std::function<bool(context&, const T&)>;

  filter(pipz::identity id, condition when, ref<T> child)
    : node<T>(std::move(id))
    , when_(std::move(when))
    , child_(std::move(child)) {}

  result<T> process(context& ctx, T input) override {
    bool pass = false;
    try {
      pass = when_(ctx, input);
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
    if (!pass)
      return input;
    return this->pass_up(child_->process(ctx, std::move(input)));
  }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "filter");
    s.flow = "conditional";
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  condition when_;
  ref<T> child_;
};

} // namespace armada::pipz
