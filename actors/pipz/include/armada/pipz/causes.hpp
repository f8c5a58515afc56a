#pragma once

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace armada::pipz {

/// The typed causes pipz itself produces. Each is an exception type stored in
/// `error<T>::cause()`; test for one with `err.is<causes::timeout>()`.
namespace causes {

/// A circuit breaker rejected the call because it is open (or its half-open probes are
/// all taken).
class circuit_open : public std::runtime_error {
public:
  explicit circuit_open(const std::string& breaker);
};

/// A rate limiter in drop mode had no token, or a wait would pass the context's deadline.
class rate_limited : public std::runtime_error {
public:
  explicit rate_limited(const std::string& limiter);
};

/// A `timeout` node's deadline passed before its child finished.
class timeout : public std::runtime_error {
public:
  timeout(const std::string& node, std::chrono::nanoseconds after);
  std::chrono::nanoseconds after() const { return after_; }

private:
  std::chrono::nanoseconds after_;
};

/// The caller requested stop on the context's token.
class canceled : public std::runtime_error {
public:
  canceled();
};

/// A worker pool refused the call (queue full in reject mode, or the pool is closed).
class rejected : public std::runtime_error {
public:
  explicit rejected(const std::string& what);
};

} // namespace causes

/// A failure returned (instead of thrown) by a user function: wraps the exception that
/// explains it. Make one with `fail`.
struct failure {
  std::exception_ptr cause;
};

/// A failure whose cause is a std::runtime_error carrying `message`.
failure fail(std::string_view message);

/// A failure whose cause is `e` (any std::exception type, e.g. one of `causes`).
template <class E>
requires std::is_base_of_v<std::exception, std::decay_t<E>> failure fail(E&& e) {
  return failure{std::make_exception_ptr(std::forward<E>(e))};
}

/// A failure wrapping an already captured exception.
inline failure fail(std::exception_ptr cause) {
  return failure{std::move(cause)};
}

namespace detail {

/// What pipz needs to know about a cause: its message and whether it is a timeout or a
/// cancellation. Rethrows `cause` internally; call only on error paths.
struct cause_info {
  std::string message;
  bool timed_out = false;
  bool canceled = false;
};
cause_info describe(const std::exception_ptr& cause);

/// "850ns", "12us", "12ms", "1.5s".
std::string format_duration(std::chrono::nanoseconds d);

} // namespace detail

} // namespace armada::pipz
