#pragma once

#include <vector>

#include "armada/pipz/parallel.hpp"

namespace armada::pipz {

/// Runs every child at once, each on its own copy of the input; the first success wins and
/// the others are cancelled through the stop token of their context. `process` returns only
/// after every loser returned (cancellation is cooperative: a child that ignores its token
/// delays the race). When every child fails: the last error (path: race -> child ...); when
/// the caller cancelled first: a `causes::canceled` error. Thread-safe.
template <class T> class race final : public node<T> {
public:
  race(pipz::identity id, std::vector<ref<T>> children)
    : node<T>(std::move(id))
    , children_(std::move(children)) {}

  result<T> process(context& ctx, T input) override {
    return detail::first_accepted(
        children_, ctx, input, this->id_, [](context&, const T&) { return true; },
        "race has no children");
  }

  const std::vector<ref<T>>& children() const { return children_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "race");
    s.flow = "race";
    for (const auto& c : children_)
      s.children.push_back(c->schema());
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
