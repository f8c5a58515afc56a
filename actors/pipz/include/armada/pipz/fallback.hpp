#pragma once

#include <vector>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// Tries its children in order, each on the original input, and returns the first success.
/// When every child fails: the last child's error (path: fallback -> child ...). Stops early
/// with a `causes::canceled` error when the caller's stop is requested between tries.
/// Thread-safe.
template <class T> class fallback final : public node<T> {
public:
  /// `children[0]` is the primary, the rest are fallbacks in order.
  fallback(pipz::identity id, std::vector<ref<T>> children)
    : node<T>(std::move(id))
    , children_(std::move(children)) {}

  result<T> process(context& ctx, T input) override {
    if (children_.empty())
      return input;
    for (std::size_t i = 0; i + 1 < children_.size(); ++i) {
      auto r = children_[i]->process(ctx, T(input));
      if (r.ok())
        return r;
      if (ctx.canceled())
        return this->pass_up(std::move(r));
    }
    return this->pass_up(children_.back()->process(ctx, std::move(input)));
  }

  const std::vector<ref<T>>& children() const { return children_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "fallback");
    s.flow = "fallback";
    for (std::size_t i = 0; i < children_.size(); ++i) {
      s.children.push_back(children_[i]->schema());
      s.children.back().role = i == 0 ? "primary" : "fallback";
    }
    return s;
  }

  void close() override {
    for (const auto& c : children_)
      c->close();
  }

private:
  std::vector<ref<T>> children_;
};

} // namespace armada::pipz
