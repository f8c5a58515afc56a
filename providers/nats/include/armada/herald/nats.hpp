#pragma once

#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::nats {

/// The nats provider: core NATS on nats.c (docs/providers/nats.md).
///
/// URL: `nats://HOST:PORT?property=value&…` (PORT defaults to 4222). Properties:
///   connect-timeout   ms       2000   how long connecting to one server may take
///   timeout           ms       5000   how long a publish (flush) or ping may take
///   max-reconnect     integer  60     reconnect attempts after a lost connection (-1: forever)
///   reconnect-wait    ms       250    pause between reconnect attempts
///   reconnect-jitter  ms       100    random extra pause added to reconnect-wait
///   servers           string   ""     more servers of the cluster (nats://h:p,…)
///   subject-prefix    string   ""     prepended to every topic to make its subject
///   name              string   armada the client name the server shows
///
/// Semantics: topic = subject; payload as data, id / key / metadata as headers; a group is a
/// queue group (competing subscribers share messages, each group gets every message); publish
/// completes once a flush round trip confirmed the server has it. Core NATS keeps nothing: a
/// subscriber sees only what is published while it is subscribed, and ack / nack are local to
/// the subscription (nack(delay) redelivers to the same subscription after the delay; what a
/// subscription holds when it closes is lost).
///
/// Returns a config error naming the property, or a transport error naming the server and the
/// fix when it cannot connect. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor (for tests, or to host it yourself). Same
/// URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the nats provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::nats
