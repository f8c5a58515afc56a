#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::redis {

/// The redis provider: Redis Streams on hiredis. A topic is the stream `<prefix><topic>`; each
/// message is one entry with one field, `e`, holding the whole message as a Protobuf envelope
/// (metadata can never collide with the payload). See docs/providers/redis.md.
///
/// URL: `redis://[user:password@]host[:port][/db]?property=value&…` (port 6379, db 0 by default;
/// the password is never shown in errors or state). Properties (validated up front; an unknown
/// one is an error naming it):
///   prefix           string        herald:  key prefix of the topic streams
///   maxlen           integer       1000000  XADD MAXLEN ~ trimming per stream; 0: no trimming
///   claim-idle       milliseconds  30000    a pending entry idle this long is claimed (XAUTOCLAIM)
///                                           by another consumer of its group: a dead consumer's
///                                           messages come back after it; longer nack delays are capped to it
///   claim-interval   milliseconds  500      how often a subscriber looks for claimable entries
///   new-group-start  oldest|newest oldest   where a new consumer group starts ("0" or "$")
///   connect-timeout  milliseconds  5000     TCP connect timeout
///   command-timeout  milliseconds  10000    reply timeout of one command (plus the BLOCK time)
///
/// Semantics: publish is XADD (acknowledged by its reply); publish_batch pipelines the XADDs in
/// one round trip; a subscription is one consumer (unique name) of its group, created with
/// XGROUP CREATE … MKSTREAM; ack is XACK; nack(delay) leaves the entry pending and makes it
/// claimable after `delay`; closing a subscription makes its pending entries claimable at once.
/// The delivery attempt is the entry's delivery count. A lost connection is re-established on
/// the next call, with jittered backoff between failed attempts.
///
/// Returns a transport error naming the address when redis cannot be reached, a config error for
/// a bad URL or property. Call from any thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The provider's driver without a connection actor (for tests, or to host it yourself). Same
/// URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the redis provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::redis
