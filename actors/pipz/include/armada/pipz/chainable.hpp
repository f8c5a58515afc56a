#pragma once

#include <memory>

#include "armada/pipz/context.hpp"
#include "armada/pipz/error.hpp"
#include "armada/pipz/identity.hpp"
#include "armada/pipz/result.hpp"
#include "armada/pipz/schema.hpp"

namespace armada::pipz {

/// A node of a pipeline: turns a `T` into a `T` or an `error<T>`. Leaves run user functions;
/// connectors arrange children (held as `ref<T>`, so one node may sit in several trees).
/// Every built-in node may be used by many threads at once.
template <class T> class chainable {
public:
  using value_type = T;

  virtual ~chainable() = default;

  /// Processes `input`. Never throws: a failure (including an exception thrown by user code)
  /// comes back as an error whose path starts at this node. Any thread.
  virtual result<T> process(context& ctx, T input) = 0;

  /// The node's name, description and UUID.
  virtual const pipz::identity& identity() const = 0;

  /// The subtree's shape (see `schema_node`). Any thread.
  virtual schema_node schema() const = 0;

  /// Releases the node's resources (worker threads, background work) and closes its
  /// children. Idempotent. Calls that start after close may fail.
  virtual void close() {}
};

/// How nodes hold each other.
template <class T> using ref = std::shared_ptr<chainable<T>>;

/// Helper base for nodes: stores the identity.
template <class T> class node : public chainable<T> {
public:
  explicit node(pipz::identity id)
    : id_(std::move(id)) {}
  const pipz::identity& identity() const final { return id_; }

protected:
  /// An error raised by this node on `input`, timed from `ctx.started`.
  pipz::error<T> fail_with(const context& ctx, T input, std::exception_ptr cause) const {
    return pipz::error<T>{id_, std::move(input), std::move(cause), ctx.elapsed()};
  }

  /// Adds this node in front of a child's error path.
  result<T> pass_up(result<T> r) const {
    if (!r.ok())
      r.error().prepend(id_);
    return r;
  }

  pipz::identity id_;
};

} // namespace armada::pipz
