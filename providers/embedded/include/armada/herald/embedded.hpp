#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::embedded {

/// The embedded provider (the BoltDB row of the provider table): a durable broker in one LMDB
/// file, no server needed. Several processes may share the file. See docs/providers/embedded.md.
///
/// URL: `embedded:///absolute/path/herald.mdb` or `embedded://relative/path/herald.mdb` (relative
/// to the working directory). LMDB keeps its lock table next to it, in `<file>-lock`.
/// Properties (query parameters, validated up front; an unknown one is an error naming it):
///   map-size       integer       1073741824  largest size of the file in bytes
///   fsync          always|batch|never  batch  when commits reach the disk
///   retention      integer       100000      acked messages kept per topic
///   retention-age  milliseconds  0           acked messages older than this go too (0: off)
///   lease          milliseconds  30000       how long a delivered, unacked message stays taken
///   poll           milliseconds  10          longest wait before looking for other processes' writes
///
/// Semantics: each topic is an ordered log; each consumer group reads it from the oldest message
/// kept (a new group receives old messages); subscribers of one group share its messages, in any
/// process; ack marks a message done for its group; nack(delay) makes it visible again after the
/// delay; closing a subscription returns its unacked messages at once; a subscriber that dies
/// holding a message loses it to the group when its lease runs out.
///
/// Returns a config error for a bad URL or property, a missing directory, or a file that is not
/// an LMDB file of this provider. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor (for tests, or to host it yourself). Same
/// URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the embedded provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::embedded
