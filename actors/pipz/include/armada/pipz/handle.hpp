#pragma once

#include <functional>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// Options of `handle`.
struct handle_options {
  /// Receives `signals::handle_failed` (error) when the handler throws.
  capitan::instance* signals = nullptr;
};

/// Observes its child's errors: on failure, `handler(ctx, error)` runs (to log, count,
/// notify, compensate…) and the same error is returned (path: handle -> child ...); on
/// success the value passes through and the handler does not run. A throwing handler does
/// not change the result; the throw is reported as `signals::handle_failed`. Thread-safe
/// when the handler is.
template <class T> class handle final : public node<T> {
public:
  using handler = std::function<void(context&, const error<T>&)>;

  handle(pipz::identity id, ref<T> child, handler on_error, handle_options opts = {})
    : node<T>(std::move(id))
    , child_(std::move(child))
    , on_error_(std::move(on_error))
    , opts_(opts) {}

  result<T> process(context& ctx, T input) override {
    auto r = this->pass_up(child_->process(ctx, std::move(input)));
    if (!r.ok()) {
      try {
        on_error_(ctx, r.error());
      } catch (...) {
        if (opts_.signals != nullptr)
          detail::emit(*opts_.signals, capitan::severity::error, signals::handle_failed, this->id_,
                       keys::error(detail::describe(std::current_exception()).message));
      }
    }
    return r;
  }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "handle");
    s.flow = "wrap";
    s.children.push_back(child_->schema());
    return s;
  }

  void close() override { child_->close(); }

private:
  ref<T> child_;
  handler on_error_;
  handle_options opts_;
};

} // namespace armada::pipz
