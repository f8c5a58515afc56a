#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/actors.hpp"
#include "armada/herald/driver.hpp"

namespace armada::herald {

/// A provider instance: the handle of its connection actor plus what the provider can do.
/// Copyable; all copies refer to the same connection. Member functions block the caller until
/// the broker answers: call them from your own threads, not from inside an actor.
class connection {
public:
  connection() = default;
  connection(caf::actor_system& sys, connection_actor actor, std::string provider,
             herald::features features);

  /// Publishes and waits for the broker's acknowledgement (at most `timeout`).
  caf::expected<publish_receipt> publish(message m,
                                         std::chrono::milliseconds timeout = std::chrono::seconds{30}) const;

  /// Publishes several messages in one broker round trip where the provider can.
  caf::expected<std::vector<publish_receipt>>
  publish_batch(std::vector<message> ms, std::chrono::milliseconds timeout = std::chrono::seconds{30}) const;

  /// A real round trip to the broker.
  caf::expected<std::chrono::nanoseconds> ping(std::chrono::milliseconds timeout = std::chrono::seconds{10}) const;

  /// Closes the connection and its subscriptions. Idempotent, any thread.
  void close() const;

  caf::expected<connection_state> state() const;

  const connection_actor& actor() const { return actor_; }
  const std::string& provider() const { return provider_; }
  const herald::features& features() const { return features_; }
  caf::actor_system& system() const { return *sys_; }
  bool valid() const { return sys_ != nullptr && actor_; }

private:
  caf::actor_system* sys_ = nullptr;
  connection_actor actor_;
  std::string provider_;
  herald::features features_;
};

/// Spawns the connection actor (detached: it owns its own thread, so a blocking client library
/// never blocks the scheduler) for `drv`. `url` is shown in state and errors (passwords hidden).
connection connect(caf::actor_system& sys, std::shared_ptr<driver> drv, std::string url = {});

} // namespace armada::herald
