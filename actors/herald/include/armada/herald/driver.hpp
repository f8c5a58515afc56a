#pragma once

// The provider interface: the one small interface every provider implements (the Watermill
// idea). Drivers are blocking and run inside armada's detached connection and subscription
// actors, never on a CAF scheduler thread; a provider may use its client library's
// synchronous API freely.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/herald/message.hpp"

namespace armada::herald {

/// One subscription of a driver. Used by one thread at a time (its subscription actor).
class subscription_driver {
public:
  virtual ~subscription_driver() = default;

  /// Waits at most `wait` for up to `max` messages (returns early when any arrive; empty on
  /// timeout). A transport failure is an error; the subscription actor retries with backoff.
  virtual caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) = 0;

  /// The message was handled: the broker may forget it (for this group).
  virtual caf::error ack(const message& m) = 0;

  /// Several messages were handled (one broker round trip / transaction where the provider
  /// can; the default acks one by one).
  virtual caf::error ack_batch(const std::vector<message>& ms) {
    for (auto& m : ms)
      if (auto err = ack(m))
        return err;
    return caf::none;
  }

  /// The message was not handled: redeliver it, after `delay` where the broker supports it.
  virtual caf::error nack(const message& m, std::chrono::milliseconds delay) = 0;

  /// Herald gave up on the message (it went to the dead-letter topic, or cannot be decoded): the
  /// broker must not redeliver it. A broker with dead-lettering of its own gets it there (amqp:
  /// basic.reject without requeue, to the queue's dead-letter exchange); the default acks.
  virtual caf::error reject(const message& m) { return ack(m); }

  /// Stops the subscription; unacked messages become available again. Idempotent.
  virtual void close() = 0;

  /// Whether `fetch` leaves part of each message's decoding to `decode_batch`. A provider whose
  /// messages take real work to decode (an envelope to parse) says so: its fetch thread then
  /// only talks to the broker, and the decoding runs on another thread, overlapping the next
  /// fetch.
  virtual bool decodes_later() const { return false; }

  /// Finishes the messages of one fetch (see `decodes_later`). Runs on another thread than
  /// `fetch`, at the same time as later fetches, acks and nacks: it may use only its argument
  /// and what never changes after subscribing.
  virtual void decode_batch(std::vector<message>& /*batch*/) const {}
};

/// A provider instance (one connection). Used by one thread at a time (its connection actor),
/// except `close`, which any thread may call, any number of times.
class driver {
public:
  virtual ~driver() = default;

  /// "memory", "embedded", "kafka", …
  virtual std::string provider() const = 0;

  /// What the provider can honestly do.
  virtual herald::features features() const = 0;

  /// Publishes and returns once the broker acknowledged (where it can acknowledge).
  virtual caf::expected<publish_receipt> publish(const message& m) = 0;

  /// Publishes several messages; the default publishes one by one. All or an error: on error,
  /// a prefix may have been published (receipts are not returned for it).
  virtual caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms);

  /// Opens a subscription to `topic`.
  virtual caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) = 0;

  /// A real round trip to the broker; returns its duration.
  virtual caf::expected<std::chrono::nanoseconds> ping() = 0;

  /// Releases the connection (or returns a borrowed one). Idempotent and thread-safe.
  virtual void close() = 0;
};

} // namespace armada::herald
