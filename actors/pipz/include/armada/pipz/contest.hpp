#pragma once

#include <functional>
#include <vector>

#include "armada/pipz/parallel.hpp"

namespace armada::pipz {

/// Like `race`, but a success wins only if `condition(ctx, value)` holds (the condition runs
/// on the child's thread, so it must be thread-safe; if it throws, that child counts as
/// failed). Losers are cancelled once a winner is found and joined before returning. No
/// winner: the last child error, or a "no result met the condition" error when every child
/// succeeded without meeting it.
template <class T> class contest final : public node<T> {
public:
  using condition = std::function<bool(context&, const T&)>;

  contest(pipz::identity id, condition when, std::vector<ref<T>> children)
    : node<T>(std::move(id))
    , when_(std::move(when))
    , children_(std::move(children)) {}

  result<T> process(context& ctx, T input) override {
    return detail::first_accepted(children_, ctx, input, this->id_, when_,
                                  "no result met the contest condition");
  }

  const std::vector<ref<T>>& children() const { return children_; }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "contest");
    s.flow = "contest";
    for (const auto& c : children_)
      s.children.push_back(c->schema());
    return s;
  }

  void close() override {
    for (const auto& c : children_)
      c->close();
  }

private:
  condition when_;
  std::vector<ref<T>> children_;
};

} // namespace armada::pipz
