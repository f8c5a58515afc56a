#pragma once

#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>

#include "armada/pipz/causes.hpp"
#include "armada/pipz/error.hpp"

namespace armada::pipz {

/// Thrown by `result<T>::value()` on a result that holds an error; `what()` is the error text.
class bad_result_access : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

/// What `chainable<T>::process` returns: the output value, or an `error<T>`. A small
/// `std::expected`-like type (g++ 12 has no std::expected). Not thread-safe; move it around.
template <class T> class result {
public:
  using value_type = T;
  using error_type = pipz::error<T>;

  result(T value)
    : v_(std::in_place_index<0>, std::move(value)) {}
  result(pipz::error<T> err)
    : v_(std::in_place_index<1>, std::move(err)) {}

  bool ok() const { return v_.index() == 0; }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  /// The value; throws `bad_result_access` (with the error text) when this holds an error.
  T& value() & {
    check();
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    check();
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    check();
    return std::move(*std::get_if<0>(&v_));
  }

  /// The value without a check (precondition: `ok()`).
  T& operator*() & { return *std::get_if<0>(&v_); }
  const T& operator*() const& { return *std::get_if<0>(&v_); }
  T&& operator*() && { return std::move(*std::get_if<0>(&v_)); }
  T* operator->() { return std::get_if<0>(&v_); }
  const T* operator->() const { return std::get_if<0>(&v_); }

  /// The error (precondition: `!ok()`).
  pipz::error<T>& error() & { return *std::get_if<1>(&v_); }
  const pipz::error<T>& error() const& { return *std::get_if<1>(&v_); }
  pipz::error<T>&& error() && { return std::move(*std::get_if<1>(&v_)); }

  /// The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? **this : std::move(fallback); }

private:
  void check() const {
    if (!ok())
      throw bad_result_access{std::get_if<1>(&v_)->text()};
  }

  std::variant<T, pipz::error<T>> v_;
};

/// What a user function that may fail returns: the new value, or a `failure` (see `fail`).
/// Throwing from the function is equivalent to returning `fail(exception)`.
template <class T> class outcome {
public:
  outcome(T value)
    : v_(std::in_place_index<0>, std::move(value)) {}
  outcome(pipz::failure f)
    : v_(std::in_place_index<1>, std::move(f)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return *std::get_if<0>(&v_); }
  const failure& fault() const { return *std::get_if<1>(&v_); }

private:
  std::variant<T, pipz::failure> v_;
};

/// What a user side effect that may fail returns: nothing (`{}`) or a `failure`.
class status {
public:
  status() = default;
  status(pipz::failure f)
    : fault_(std::move(f)) {}
  bool ok() const { return !fault_.has_value(); }
  explicit operator bool() const { return ok(); }
  const failure& fault() const { return *fault_; }

private:
  std::optional<pipz::failure> fault_;
};

} // namespace armada::pipz
