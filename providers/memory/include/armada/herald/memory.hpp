#pragma once

#include <string_view>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::memory {

/// The memory provider: an in-process broker with every feature, for tests and local fan-out.
///
/// URL: `memory://NAME` (NAME defaults to "default"). Connections with the same name share
/// one broker in this process. Properties:
///   retention   integer  100000  messages kept per topic once every group has acked them
///
/// Semantics: each topic is an ordered log; each consumer group reads it from the start
/// (a new group receives old messages); within a group, competing subscribers share messages;
/// ack forgets a message for its group; nack(delay) redelivers it after the delay; closing a
/// subscription redelivers what it had not acked. Messages live as long as the process.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url = "memory://");

/// The provider's driver without a connection actor (to wrap it, e.g. with
/// `herald::testing::capturing_driver`, then `herald::connect`). Same URL and errors.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url = "memory://");

/// The property list of the memory provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::memory
