#pragma once

#include <functional>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// A leaf that maps the value only when a condition holds: `condition(ctx, value)` true →
/// `transformer(ctx, value)`, else the value passes through unchanged. An exception from
/// either function becomes the error (input: the value). Thread-safe when the functions are.
template <class T> class mutate final : public node<T> {
public:
  using condition = std::function<bool(context&, const T&)>;
  using transformer = std::function<T(context&, const T&)>;

  mutate(pipz::identity id, transformer fn, condition when)
    : node<T>(std::move(id))
    , fn_(std::move(fn))
    , when_(std::move(when)) {}

  result<T> process(context& ctx, T input) override {
    try {
      if (!when_(ctx, input))
        return input;
      return fn_(ctx, input);
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
  }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "mutate");
    s.flow = "conditional";
    return s;
  }

private:
  transformer fn_;
  condition when_;
};

} // namespace armada::pipz
