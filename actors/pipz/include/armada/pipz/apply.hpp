#pragma once

#include <functional>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// A leaf that maps the value with a function that may fail:
/// `outcome<T>(context&, const T&)` returns the new value or `fail(...)`; throwing is the
/// same as failing. On failure the error's input is the value the function received.
/// Thread-safe when the function is.
template <class T> class apply final : public node<T> {
public:
  using function = std::function<outcome<T>(context&, const T&)>;

  apply(pipz::identity id, function fn)
    : node<T>(std::move(id))
    , fn_(std::move(fn)) {}

  result<T> process(context& ctx, T input) override {
    try {
      auto out = fn_(ctx, input);
      if (out.ok())
        return std::move(*out);
      return this->fail_with(ctx, std::move(input), out.fault().cause);
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
  }

  schema_node schema() const override { return schema_node::of(this->id_, "apply"); }

private:
  function fn_;
};

} // namespace armada::pipz
