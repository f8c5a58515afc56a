#pragma once

// The Redis saga store (target armada::ago_redis): records as JSON strings, leases apart,
// every write an atomic Lua script that checks the lease; writes group-committed as one
// pipeline per batch. Durability is the server's (appendonly / appendfsync).

#include <memory>
#include <string_view>

#include <caf/expected.hpp>

#include "armada/ago/store.hpp"

namespace armada::ago {

/// A store on the Redis server of `url`: `redis://[user:password@]host[:port][/db]` with the
/// properties `prefix` (key prefix, default "ago:"), `connect-timeout` and `command-timeout`
/// (ms). Connects at once: the error names the server and the fix.
caf::expected<std::shared_ptr<saga_store>> make_redis_store(std::string_view url);

} // namespace armada::ago
