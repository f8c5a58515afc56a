#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::firestore {

/// The firestore provider: each message is a document of the collection `<prefix><topic>` with
/// a sequence field `seq`, the whole message as an envelope (`e`, bytes), `lease_until` and
/// `attempts`. A subscription reads the oldest documents by `seq` and takes a lease on each with
/// a compare-and-set commit (precondition: the document's update time), so competing
/// subscriptions never hold the same message; a keeper thread of the subscription renews the
/// lease of a held message (delivered, not acked or nacked) before it ends, so a slow handler
/// keeps it; ack deletes the document; nack(delay) moves the lease end to now + delay; close
/// ends its leases. Firestore REST for the Firestore emulator
/// (plain http, no authentication). See docs/providers/firestore.md.
///
/// URL: `firestore://host:port?project=NAME&…`. Properties (validated up front):
///   project            string        ""        empty: FIRESTORE_PROJECT_ID, then GOOGLE_CLOUD_PROJECT
///   collection-prefix  string        herald-   collection of topic t: <prefix>t
///   lease              milliseconds  30000     how long a delivered message is held before others may take
///                                              it; renewed while a handler holds it
///   scan               integer       100       documents read per fetch (oldest first)
///   connect-timeout    milliseconds  5000
///   request-timeout    milliseconds  10000
///   max-attempts       integer       4
///
/// Subscriptions of a topic compete whatever their group (no consumer groups). Call from any
/// thread outside an actor.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// The driver without a connection actor. Same URL, properties and errors as `connect`.
caf::expected<std::shared_ptr<driver>> make_driver(std::string_view url);

/// The property list of the firestore provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::firestore
