#pragma once

#include <functional>
#include <type_traits>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz {

/// A leaf that runs a side effect and passes its input through unchanged. The function is
/// `void(context&, const T&)` (fails by throwing) or `status(context&, const T&)` (fails by
/// returning `fail(...)`). On failure the error's input is the value. Thread-safe when the
/// function is.
template <class T> class effect final : public node<T> {
public:
  using function = std::function<status(context&, const T&)>;

  template <class F>
  requires std::is_invocable_v<F&, context&, const T&> effect(pipz::identity id, F fn)
    : node<T>(std::move(id))
    , fn_(wrap(std::move(fn))) {}

  result<T> process(context& ctx, T input) override {
    try {
      auto st = fn_(ctx, input);
      if (st.ok())
        return input;
      return this->fail_with(ctx, std::move(input), st.fault().cause);
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
  }

  schema_node schema() const override { return schema_node::of(this->id_, "effect"); }

private:
  template <class F> static function wrap(F fn) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, context&, const T&>>)
      return [fn = std::move(fn)](context& ctx, const T& v) mutable {
        fn(ctx, v);
        return status{};
      };
    else
      return function{std::move(fn)};
  }

  function fn_;
};

} // namespace armada::pipz
