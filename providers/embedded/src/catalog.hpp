#pragma once

// The catalog of an embedded file: topic and group records, the id counter, name checks.
// Functions run inside a caller's transaction.

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "lmdb_env.hpp"
#include "records.hpp"

namespace armada::herald::embedded {

/// The error for a record of the wrong size (`what`: "topic 'orders'").
caf::error damaged(const lmdb_env& env, std::string_view what);

/// An error unless `name` (of a topic or group: `kind`) is non-empty and fits in a key.
caf::error check_name(std::string_view kind, const std::string& name);

/// A fresh topic or group id (the counter in meta "next-id").
caf::expected<std::uint64_t> next_id(transaction& txn);

/// The topic's record; with `create`, a new one (not yet written) when it is missing.
caf::expected<topic_record> load_topic(transaction& txn, const std::string& topic, bool create);

/// The record of `group` of the topic with `topic_id` (`topic` names it in errors).
caf::expected<group_record> load_group(const transaction& txn, std::uint64_t topic_id, const std::string& topic,
                                       const std::string& group);

} // namespace armada::herald::embedded
