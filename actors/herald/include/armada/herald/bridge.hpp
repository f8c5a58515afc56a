#pragma once

// bridge: the seed's promise. Every field of a capitan signal goes out to a topic, typed; on
// the other side the same signal is emitted again with the same typed fields, so a hook there
// is the same code as a local hook.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <caf/expected.hpp>

#include "armada/capitan/instance.hpp"
#include "armada/herald/publisher.hpp"
#include "armada/herald/subscriber.hpp"

namespace armada::herald {

/// Counters of an outbound bridge.
struct bridge_out_stats {
  std::uint64_t published = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped_backpressure = 0;
  std::int64_t pending = 0;
};

/// Options of an outbound bridge besides the publish pipeline.
struct bridge_out_options {
  std::string key_field{};            ///< field whose value becomes the message key (ordering)
  std::size_t max_pending = 10000;  ///< events waiting for the broker, at most (more: dropped, herald.error backpressure)
};

/// A running outbound bridge: a hook on the signal plus a publisher actor on its own thread.
class outbound_bridge {
public:
  struct shared_state;
  outbound_bridge() = default;
  explicit outbound_bridge(std::shared_ptr<shared_state> s) : s_(std::move(s)) {}

  /// Stops taking events, then waits (at most 30 s) until the ones taken were published.
  void close();
  /// Waits until every event taken so far was published or failed (at most `timeout`).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds{30});
  bridge_out_stats stats() const;
  /// The publisher actor (a detached actor: ask it `get_state_atom` with a request; it answers a
  /// `bridge_out_state`, with the publish latency).
  bridge_out_actor actor() const;

private:
  std::shared_ptr<shared_state> s_{};
};

/// The message `bridge_out` publishes for `e` (no id, topic or key yet): the typed event codec,
/// `content-type`, `type` (the signal name), `traceparent` and `correlation-id` metadata.
caf::expected<message> event_to_message(const capitan::event& e);

/// The non-template form of `bridge_out`.
caf::expected<outbound_bridge> make_outbound_bridge(capitan::instance& inst, const connection& conn,
                                                    const capitan::signal& sig, std::string topic,
                                                    bridge_out_options bopts, publish_options opts);

/// Publishes every event of `sig` on `inst` to `topic` (the whole typed event: signal,
/// severity, timestamp, fields, trace and correlation ids), through the publish pipeline of
/// `options`. The hook never blocks its topic actor: publishing runs on the bridge's own actor.
template <class... Options>
caf::expected<outbound_bridge> bridge_out(capitan::instance& inst, const connection& conn,
                                          const capitan::signal& sig, std::string topic,
                                          bridge_out_options bopts, Options... options) {
  publish_options opts;
  (options(opts), ...);
  return make_outbound_bridge(inst, conn, sig, std::move(topic), std::move(bopts), std::move(opts));
}

/// Consumes `topic` and emits each event on `inst` with its signal and typed fields. The
/// message is acked only after every hook for the event returned; a hook that throws nacks it
/// (redelivery with backoff, dead-letter topic after `max_deliveries`); a message that is not
/// an event — or, with `only`, an event of another signal — goes to the dead-letter topic.
caf::expected<subscription> bridge_in(const connection& conn, std::string topic,
                                      capitan::instance& inst,
                                      std::optional<capitan::signal> only = std::nullopt,
                                      subscriber_options opts = {});

} // namespace armada::herald
