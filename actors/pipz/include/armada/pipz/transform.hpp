#pragma once

#include <functional>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// A leaf that maps the value with a function that cannot fail: `T(context&, const T&)`.
/// If the function throws anyway, the exception becomes the error (input: the value it
/// received). Thread-safe when the function is.
template <class T> class transform final : public node<T> {
public:
  using function = std::function<T(context&, const T&)>;

  transform(pipz::identity id, function fn)
    : node<T>(std::move(id))
    , fn_(std::move(fn)) {}

  result<T> process(context& ctx, T input) override {
    try {
      return fn_(ctx, input);
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
  }

  schema_node schema() const override { return schema_node::of(this->id_, "transform"); }

private:
  function fn_;
};

} // namespace armada::pipz
