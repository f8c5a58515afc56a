#pragma once

// Request/response over events: emit a command carrying a correlation id, receive the reply
// that carries the same id. Locally through capitan, across services through herald bridges
// (which carry the correlation id both ways) — the same code.

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/capitan/event.hpp"
#include "armada/capitan/field.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/capitan/signal.hpp"
#include "armada/runtime/clock.hpp"

namespace armada::ago {

/// The field of a reply that reports a failure: a reply carrying it fails the request (and
/// the saga step) with its code and message.
inline const capitan::key<capitan::error_value> reply_error{"error"};

/// Called once with the reply, or with the error (errc::timeout; an emit that was dropped).
using reply_callback = std::function<void(caf::expected<capitan::event>)>;

/// Routes replies to waiting requests by correlation id. One capitan hook per reply signal,
/// installed before the first request on it is sent (subscribe before send). A reply whose
/// correlation id nobody waits for — late, duplicate, foreign — is ignored (and counted).
/// Thread-safe. Destroying it closes its hooks; waiting requests fail with errc::closed.
class requester {
public:
  explicit requester(capitan::instance& events, std::shared_ptr<armada::clock> clock = nullptr);
  ~requester();
  requester(const requester&) = delete;
  requester& operator=(const requester&) = delete;

  /// Waits for a reply on `reply` correlated by `correlation`, then emits `command` with the
  /// fields and that correlation id. `done` runs once: with the first matching reply, or with
  /// errc::timeout after `timeout` (zero: no timeout), or with the emit's failure. `done` runs
  /// on a capitan topic actor or the clock's thread and must not block.
  void request(const capitan::signal& command, const capitan::signal& reply, std::string correlation,
               std::vector<capitan::field> fields, std::chrono::nanoseconds timeout, reply_callback done,
               std::string trace_id = {});

  /// A fresh correlation id (a UUIDv4).
  static std::string new_correlation();

  /// Forgets the wait for `correlation` on `reply` (its callback will not run).
  void cancel(const capitan::signal& reply, const std::string& correlation);

  /// Replies that arrived with no one waiting for them.
  std::uint64_t ignored() const;
  /// Requests waiting now.
  std::size_t waiting() const;

  capitan::instance& events() const { return events_; }
  const std::shared_ptr<armada::clock>& clock() const { return clock_; }

private:
  struct impl;
  capitan::instance& events_;
  std::shared_ptr<armada::clock> clock_;
  std::shared_ptr<impl> impl_;
};

/// Sends `command` and returns the future of its correlated reply on `reply` (an event), or
/// errc::timeout, or the failure the reply reported in its `reply_error` field.
std::future<caf::expected<capitan::event>> request(requester& r, const capitan::signal& command,
                                                   const capitan::signal& reply,
                                                   std::vector<capitan::field> fields,
                                                   std::chrono::nanoseconds timeout);

/// Typed form: the value of `field` in the reply (errc::codec when the reply lacks it).
template <class Resp>
std::future<caf::expected<Resp>> request(requester& r, const capitan::signal& command,
                                         const capitan::signal& reply, const capitan::key<Resp>& field,
                                         std::vector<capitan::field> fields, std::chrono::nanoseconds timeout);

/// Waits for the next event on `s` that satisfies `pred` (subscribed before it returns), or
/// errc::timeout.
std::future<caf::expected<capitan::event>> await(capitan::instance& events, const capitan::signal& s,
                                                 std::function<bool(const capitan::event&)> pred,
                                                 std::chrono::nanoseconds timeout,
                                                 std::shared_ptr<armada::clock> clock = nullptr);

/// What a responder returns: the reply's fields, or an error (sent back as `reply_error`).
using responder_fn = std::function<caf::expected<std::vector<capitan::field>>(const capitan::event&)>;

/// Answers every `command` event with a `reply` event carrying the command's correlation and
/// trace ids: the handler's fields, or its error in `reply_error` (a handler that throws
/// replies with the exception's text). The handler's idempotency key is the correlation id.
/// Returns the hook (close it to stop answering).
capitan::listener respond(capitan::instance& events, const capitan::signal& command,
                          const capitan::signal& reply, responder_fn handler);

/// The error a reply reports in `reply_error`, or none.
caf::error reply_failure(const capitan::event& reply);

// -- implementation -----------------------------------------------------------------------

namespace detail {
caf::error missing_reply_field(const capitan::event& reply, const std::string& field);
} // namespace detail

template <class Resp>
std::future<caf::expected<Resp>> request(requester& r, const capitan::signal& command,
                                         const capitan::signal& reply, const capitan::key<Resp>& field,
                                         std::vector<capitan::field> fields, std::chrono::nanoseconds timeout) {
  auto promise = std::make_shared<std::promise<caf::expected<Resp>>>();
  auto result = promise->get_future();
  r.request(command, reply, requester::new_correlation(), std::move(fields), timeout,
            [promise, field](caf::expected<capitan::event> e) {
              if (!e) {
                promise->set_value(std::move(e.error()));
              } else if (auto v = field.from(*e)) {
                promise->set_value(std::move(*v));
              } else {
                promise->set_value(detail::missing_reply_field(*e, field.name()));
              }
            });
  return result;
}

} // namespace armada::ago
