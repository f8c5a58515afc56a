#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <caf/expected.hpp>

#include "armada/capitan/instance.hpp"
#include "armada/herald/connection.hpp"
#include "armada/herald/errc.hpp"
#include "armada/serialization/codec.hpp"
#include "armada/serialization/default_codec.hpp"

namespace armada::herald {

/// How a subscriber consumes.
struct subscriber_options {
  std::string group = "default";          ///< consumer group (where the provider has them)
  std::size_t prefetch = 64;               ///< messages in flight (handed out, not acked), at most
  std::size_t max_deliveries = 5;          ///< attempts before the dead-letter topic
  std::string dead_letter_topic{};           ///< default: "<topic>.dead-letter"
  std::chrono::milliseconds redelivery_base{100}; ///< nack delay after the first failure, doubling
  std::chrono::milliseconds redelivery_max{10000};
  std::chrono::milliseconds poll_wait{20};
  /// herald.error / herald.dead_lettered go here. The instance must outlive the subscription:
  /// close the subscription (or bridge_in) before destroying it — a late dead-letter confirm
  /// would otherwise emit on a destroyed instance.
  capitan::instance* events = nullptr;
  /// Synchronous handlers running at once (each on its own thread). Messages with the same
  /// key always go to the same handler thread, so per-key order is kept; messages without a
  /// key are spread round robin. Applies to the synchronous `subscribe` and `subscriber<T>`.
  std::size_t concurrency = 1;
};

/// Reports the outcome of handling one message: no error → ack; an error → nack (redelivery
/// with backoff) or, for `errc::decode` and after `max_deliveries`, the dead-letter topic.
/// Call exactly once, from any thread.
using completion = std::function<void(caf::error)>;

/// A handler that finishes asynchronously.
using async_handler = std::function<void(const message&, completion)>;

/// A running subscriber. Copyable handle; `close` ends it (unacked messages are redelivered).
class subscription {
public:
  subscription() = default;
  subscription(caf::actor_system& sys, subscriber_actor actor, subscription_actor sub)
    : sys_(&sys), actor_(std::move(actor)), sub_(std::move(sub)) {}

  /// Stops consuming; waits until the subscription is closed. Idempotent, any thread.
  void close() const;

  caf::expected<subscriber_state> state() const;
  caf::expected<subscription_state> subscription_stats() const;
  const subscriber_actor& actor() const { return actor_; }

private:
  caf::actor_system* sys_ = nullptr;
  subscriber_actor actor_;
  subscription_actor sub_;
};

/// Subscribes `handler` to `topic`. `detached` runs the subscriber actor on its own thread
/// (for handlers that block). Fails when the provider refuses the subscription.
caf::expected<subscription> subscribe(const connection& conn, std::string topic, async_handler handler,
                                      subscriber_options opts = {}, bool detached = true);

/// Subscribes a synchronous handler: it returns normally → ack; it throws → nack (the exception
/// text goes to herald.error and, at the end, to the dead-letter metadata). Runs on the
/// subscriber's own thread, one message at a time.
caf::expected<subscription> subscribe(const connection& conn, std::string topic,
                                      std::function<void(const message&)> handler,
                                      subscriber_options opts = {});

/// Runs `fn()`: returns normally → no error; throws → an `errc::nack` error carrying the
/// exception's text (what a handler's failure becomes).
template <class F>
caf::error invoke_handler(F&& fn) {
  try {
    fn();
  } catch (const std::exception& ex) {
    return make_error(errc::nack, std::string{"the handler threw: "} + ex.what());
  } catch (...) {
    return make_error(errc::nack, "the handler threw a non-std exception");
  }
  return caf::none;
}

/// Runs `handler` (which reports through its completion before returning) on
/// `opts.concurrency` handler threads, keeping per-key order (see `subscriber_options`).
caf::expected<subscription> subscribe_sync(const connection& conn, std::string topic,
                                           async_handler handler, subscriber_options opts);

/// A decoded message: the value plus the message it came in.
template <class T>
class typed_message {
public:
  typed_message(T value, const message& raw) : value_(std::move(value)), raw_(&raw) {}
  const T& value() const { return value_; }
  const message& raw() const { return *raw_; }

private:
  T value_;
  const message* raw_;
};

/// Subscribes a typed handler: each payload is decoded with `Codec` first; a payload that does
/// not decode goes to the dead-letter topic at once, with the decode error in its metadata.
template <class T, class Codec = serialization::default_codec<T>>
caf::expected<subscription> subscriber(const connection& conn, std::string topic,
                                       std::function<void(const typed_message<T>&)> handler,
                                       subscriber_options opts = {}) {
  async_handler h = [handler = std::move(handler)](const message& m, completion done) {
    Codec codec;
    auto value = serialization::decode_checked(codec, m.payload, m.meta("content-type"));
    if (!value) {
      done(make_error(errc::decode, "cannot decode the payload of message " + m.id + ": "
                                      + caf::to_string(value.error())));
      return;
    }
    done(invoke_handler([&] { handler(typed_message<T>{std::move(*value), m}); }));
  };
  return subscribe_sync(conn, std::move(topic), std::move(h), std::move(opts));
}

} // namespace armada::herald
