#pragma once

#include <functional>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/signals.hpp"

namespace armada::pipz {

/// Options of `enrich`.
struct enrich_options {
  /// Receives `signals::enrich_failed` (fields: name, node_id, error) on each failure.
  capitan::instance* signals = nullptr;
};

/// A leaf that adds optional data: `outcome<T>(context&, const T&)`. When the function
/// fails (or throws) the call still succeeds with the unchanged input, and the failure is
/// reported as `signals::enrich_failed` to the injected instance (never silently lost when
/// one is injected). Never returns an error. Thread-safe when the function is.
template <class T> class enrich final : public node<T> {
public:
  using function = std::function<outcome<T>(context&, const T&)>;

  enrich(pipz::identity id, function fn, enrich_options opts = {})
    : node<T>(std::move(id))
    , fn_(std::move(fn))
    , opts_(opts) {}

  result<T> process(context& ctx, T input) override {
    std::exception_ptr cause;
    try {
      auto out = fn_(ctx, input);
      if (out.ok())
        return std::move(*out);
      cause = out.fault().cause;
    } catch (...) {
      cause = std::current_exception();
    }
    if (opts_.signals != nullptr)
      detail::emit(*opts_.signals, capitan::severity::warn, signals::enrich_failed, this->id_,
                   keys::error(detail::describe(cause).message));
    return input;
  }

  schema_node schema() const override { return schema_node::of(this->id_, "enrich"); }

private:
  function fn_;
  enrich_options opts_;
};

} // namespace armada::pipz
