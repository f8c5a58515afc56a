#pragma once

#include <chrono>
#include <exception>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "armada/pipz/causes.hpp"
#include "armada/pipz/identity.hpp"

namespace armada::pipz {

namespace detail {
/// "a -> b -> c failed after 12ms: cause".
std::string error_text(const std::vector<identity>& path, std::chrono::nanoseconds duration,
                       const std::string& message);
} // namespace detail

/// Why a call through a pipeline failed: the path of nodes from the outermost to the one
/// that failed, the input that node received, the cause (an exception), how long the call
/// had run, and whether it failed because of a timeout or a cancellation. A value type;
/// building one rethrows the cause once to read its message, so it belongs on error paths.
template <class T> class error {
public:
  /// An error raised by the node `at` on `input`. The message and the timeout/canceled flags
  /// come from `cause` (a `causes::timeout` sets `timed_out`, `causes::canceled` sets
  /// `canceled`).
  error(const identity& at, T input, std::exception_ptr cause,
        std::chrono::nanoseconds duration = {})
    : input_(std::move(input))
    , cause_(std::move(cause))
    , duration_(duration) {
    path_.push_back(at);
    auto info = detail::describe(cause_);
    message_ = std::move(info.message);
    timed_out_ = info.timed_out;
    canceled_ = info.canceled;
  }

  /// Identities from the outermost node to the one that failed.
  const std::vector<identity>& path() const { return path_; }

  /// The input of the node that failed.
  const T& input() const { return input_; }
  T& input() { return input_; }

  /// The exception that explains the failure (user exceptions are kept as thrown).
  const std::exception_ptr& cause() const { return cause_; }

  /// The cause's `what()` ("unknown exception" for non-std exceptions).
  const std::string& message() const { return message_; }

  /// How long the call had run when it failed (see `context::started`).
  std::chrono::nanoseconds duration() const { return duration_; }

  bool timed_out() const { return timed_out_; }
  bool canceled() const { return canceled_; }

  /// The cause as an `E` (for example `causes::circuit_open` or a user exception type), or
  /// null when it is not one. The pointer lives as long as this error.
  template <class E> const E* cause_as() const {
    if (!cause_)
      return nullptr;
    try {
      std::rethrow_exception(cause_);
    } catch (const E& e) {
      return &e;
    } catch (...) {
      return nullptr;
    }
  }

  /// Whether the cause is an `E`.
  template <class E> bool is() const { return cause_as<E>() != nullptr; }

  /// "a -> b -> c failed after 12ms: cause".
  std::string text() const { return detail::error_text(path_, duration_, message_); }

  // -- used by connectors as the error travels outwards ---------------------------

  /// Adds `outer` in front of the path.
  void prepend(const identity& outer) { path_.insert(path_.begin(), outer); }

  void set_duration(std::chrono::nanoseconds d) { duration_ = d; }
  void set_timed_out(bool value = true) { timed_out_ = value; }
  void set_canceled(bool value = true) { canceled_ = value; }

  friend std::ostream& operator<<(std::ostream& out, const error& e) { return out << e.text(); }

private:
  std::vector<identity> path_;
  T input_;
  std::exception_ptr cause_;
  std::string message_;
  std::chrono::nanoseconds duration_;
  bool timed_out_ = false;
  bool canceled_ = false;
};

} // namespace armada::pipz
