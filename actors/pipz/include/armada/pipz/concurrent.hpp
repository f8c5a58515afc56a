#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "armada/pipz/parallel.hpp"

namespace armada::pipz {

/// Runs every child at once, each on its own copy of the input (T must be copyable), and
/// waits for all of them. Children run on threads started per call (one per child but the
/// last, which runs on the caller's thread), all joined before `process` returns.
///
/// Without a reducer the call returns its input unchanged when every child succeeded, and
/// otherwise the error of the first failing child (in child order; path: concurrent -> child
/// ...). With a reducer, the reducer receives the input and every child's result (in child
/// order) and its return value is the output; a throwing reducer becomes the error.
template <class T> class concurrent final : public node<T> {
public:
  using reducer = std::function<T(context&, const T& input, std::vector<result<T>>& results)>;

  concurrent(pipz::identity id, std::vector<ref<T>> children, reducer reduce = {})
    : node<T>(std::move(id))
    , children_(std::move(children))
    , reduce_(std::move(reduce)) {}

  result<T> process(context& ctx, T input) override {
    std::vector<std::optional<result<T>>> slots(children_.size());
    try {
      detail::run_on_threads(children_.size(), [&](std::size_t i) {
        slots[i].emplace(detail::run_child(*children_[i], ctx, input, this->id_));
      });
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
    if (!reduce_) {
      for (auto& s : slots)
        if (!s->ok())
          return this->pass_up(std::move(*s));
      return input;
    }
    std::vector<result<T>> results;
    results.reserve(slots.size());
    for (auto& s : slots)
      results.push_back(std::move(*s));
    try {
      return reduce_(ctx, input, results);
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
  }

  const std::vector<ref<T>>& children() const { return children_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "concurrent");
    s.flow = "parallel";
    s.metadata["reducer"] = static_cast<bool>(reduce_);
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
  reducer reduce_;
};

} // namespace armada::pipz
