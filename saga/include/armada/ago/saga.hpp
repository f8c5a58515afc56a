#pragma once

// Saga definitions: a sequence of steps (action + compensation) and parallel groups, with
// per-step retry policies and timeouts and a per-saga timeout.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/ago/errc.hpp"
#include "armada/capitan/event.hpp"
#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"
#include "armada/pipz/backoff.hpp"
#include "armada/pipz/causes.hpp"
#include "armada/pipz/result.hpp"

namespace armada::ago {

/// What an action or a compensation receives besides the saga's data.
struct step_context {
  std::string_view saga_id;
  std::string_view step;
  /// Deterministic: `<saga id>:<step>` for the action, `<saga id>:compensate:<step>` for the
  /// compensation. The same on every attempt and after a restart: handlers use it to apply
  /// their effect at most once.
  std::string_view idempotency_key;
  std::uint32_t attempt = 1;
  bool compensating = false;
  /// When the saga times out (wall clock; max: never). Long actions may check it.
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
};

/// How saga data is stored in the log. The default uses nlohmann::json (give `T` a
/// `to_json`/`from_json`, e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE); `std::string` is stored as is.
template <class T> struct codec {
  static std::string encode(const T& value) {
    if constexpr (std::is_same_v<T, std::string>)
      return value;
    else
      return nlohmann::json(value).dump();
  }
  static caf::expected<T> decode(std::string_view text) {
    if constexpr (std::is_same_v<T, std::string>) {
      return std::string{text};
    } else {
      try {
        return nlohmann::json::parse(text).get<T>();
      } catch (const std::exception& e) {
        return make_error(errc::codec, std::string{"saga data could not be decoded: "} + e.what()
                                           + "; the stored data must match the definition's type");
      }
    }
  }
};

/// A step's action or compensation over saga data `T`: a local function, or a request over
/// events (emit a command, wait for the correlated reply).
template <class T> struct operation {
  /// Local: runs inside the saga actor. Returns a failure (or throws) when it did not apply.
  std::function<pipz::status(const step_context&, T&)> local{};

  /// Request: `command` is emitted with `fields(data)` and the idempotency key as correlation
  /// id; the step is done when the correlated `reply` arrives and `on_reply` accepts it (a
  /// reply carrying `reply_error` fails the attempt).
  struct request_spec {
    capitan::signal command;
    capitan::signal reply;
    std::function<std::vector<capitan::field>(const T&)> fields{};
    std::function<pipz::status(const capitan::event&, T&)> on_reply{};
  };
  std::optional<request_spec> request{};

  bool empty() const { return !local && !request; }
};

/// A local operation from a callable taking `(const step_context&, T&)` or `(T&)` and
/// returning void (throw to fail), `pipz::status`, or bool (false fails).
template <class T, class F> operation<T> local(F fn) {
  operation<T> op;
  op.local = [fn = std::move(fn)](const step_context& ctx, T& data) -> pipz::status {
    auto call = [&]() -> decltype(auto) {
      if constexpr (std::is_invocable_v<F&, const step_context&, T&>)
        return fn(ctx, data);
      else
        return fn(data);
    };
    using R = decltype(call());
    if constexpr (std::is_void_v<R>) {
      call();
      return {};
    } else if constexpr (std::is_same_v<R, bool>) {
      if (call())
        return {};
      return pipz::fail(std::string{ctx.step} + " returned false");
    } else {
      return call();
    }
  };
  return op;
}

/// A request operation: emits `command` with `fields(data)`, done on the correlated `reply`.
/// `on_reply` (optional) copies what the reply carries into the data.
template <class T>
operation<T> request(capitan::signal command, capitan::signal reply,
                     std::function<std::vector<capitan::field>(const T&)> fields,
                     std::function<void(const capitan::event&, T&)> on_reply = {}) {
  operation<T> op;
  typename operation<T>::request_spec spec{std::move(command), std::move(reply), std::move(fields), {}};
  if (on_reply)
    spec.on_reply = [on_reply = std::move(on_reply)](const capitan::event& e, T& data) -> pipz::status {
      on_reply(e, data);
      return {};
    };
  op.request = std::move(spec);
  return op;
}

/// Options of one step.
struct step_options {
  /// Attempts of the action and the waits between them (only max_attempts, base_delay,
  /// multiplier, max_delay and jitter are used). Default: one attempt.
  pipz::backoff_options retry{.max_attempts = 1};
  /// How long one attempt of a request action may wait for its reply (zero: no limit). A
  /// durable timer: it fires on time after a restart too.
  std::chrono::milliseconds timeout{0};
  /// Attempts of the compensation before the saga is Stuck.
  pipz::backoff_options compensation_retry{.max_attempts = 5,
                                           .base_delay = std::chrono::milliseconds{100},
                                           .multiplier = 2.0,
                                           .max_delay = std::chrono::seconds{10}};
};

/// One step of a definition.
template <class T> struct step_def {
  std::string name;
  operation<T> action;
  operation<T> compensation; ///< empty: nothing to undo
  step_options options{};
};

namespace detail {
template <class T, class F> operation<T> to_operation(F&& f) {
  if constexpr (std::is_same_v<std::decay_t<F>, operation<T>>)
    return std::forward<F>(f);
  else if constexpr (std::is_same_v<std::decay_t<F>, std::nullptr_t>)
    return {};
  else
    return local<T>(std::forward<F>(f));
}
} // namespace detail

/// Makes a step (for `saga::parallel`).
template <class T, class A, class C = std::nullptr_t>
step_def<T> step(std::string name, A&& action, C&& compensation = nullptr, step_options options = {}) {
  return step_def<T>{std::move(name), detail::to_operation<T>(std::forward<A>(action)),
                     detail::to_operation<T>(std::forward<C>(compensation)), std::move(options)};
}

/// A saga definition over data `T`: units run in order; a unit is one step or a parallel group
/// whose steps run together. Build it, then `engine::add` it. Copyable; immutable once added.
template <class T> class saga {
public:
  using value_type = T;

  explicit saga(std::string name) : name_(std::move(name)) {}

  /// Appends a step.
  template <class A, class C = std::nullptr_t>
  saga& step(std::string name, A&& action, C&& compensation = nullptr, step_options options = {}) {
    units_.push_back({ago::step<T>(std::move(name), std::forward<A>(action),
                                   std::forward<C>(compensation), std::move(options))});
    return *this;
  }

  /// Appends a parallel group: its steps start together; the saga goes on when all are done;
  /// on failure the group's completed steps are compensated together.
  saga& parallel(std::vector<step_def<T>> steps) {
    units_.push_back(std::move(steps));
    return *this;
  }

  /// The whole saga must complete within `d` (durable; zero: no limit). When it runs out, the
  /// saga compensates.
  saga& timeout(std::chrono::milliseconds d) {
    timeout_ = d;
    return *this;
  }

  const std::string& name() const { return name_; }
  const std::vector<std::vector<step_def<T>>>& units() const { return units_; }
  std::chrono::milliseconds saga_timeout() const { return timeout_; }

  /// errc::bad_definition naming the problem, or none.
  caf::error validate() const {
    if (name_.empty())
      return make_error(errc::bad_definition, "a saga definition needs a name");
    if (units_.empty())
      return make_error(errc::bad_definition, "saga '" + name_ + "' has no steps; add one with .step(name, action, compensation)");
    std::set<std::string> seen;
    for (const auto& unit : units_) {
      if (unit.empty())
        return make_error(errc::bad_definition, "saga '" + name_ + "' has an empty parallel group");
      for (const auto& s : unit) {
        if (s.name.empty() || s.name.find(':') != std::string::npos)
          return make_error(errc::bad_definition, "saga '" + name_ + "': step name '" + s.name
                                                      + "' must be non-empty and contain no ':'");
        if (!seen.insert(s.name).second)
          return make_error(errc::bad_definition, "saga '" + name_ + "' has two steps named '" + s.name + "'");
        if (s.action.empty())
          return make_error(errc::bad_definition, "saga '" + name_ + "': step '" + s.name + "' has no action");
      }
    }
    return {};
  }

private:
  std::string name_;
  std::vector<std::vector<step_def<T>>> units_;
  std::chrono::milliseconds timeout_{0};
};

} // namespace armada::ago
