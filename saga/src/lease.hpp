#pragma once

// The lease rules every store applies (internal).

#include <string>

#include "armada/ago/errc.hpp"
#include "armada/ago/record.hpp"

namespace armada::ago::detail {

/// Whether `writer` may write over `existing` at `now_ms`: it holds the lease, or the lease
/// ended.
inline bool may_write(const saga_record& existing, const std::string& writer, std::int64_t now_ms) {
  return existing.owner == writer || existing.owner.empty() || existing.lease_ms <= now_ms;
}

inline caf::error lease_lost(const saga_record& existing, const std::string& writer) {
  return make_error(errc::lease_lost, "saga '" + existing.id + "' is held by '" + existing.owner + "', not '" + writer
                                          + "' (its lease has not expired); the other owner keeps running it");
}

/// Whether `r` may be resumed by `owner` at `now_ms`.
inline bool recoverable(const saga_record& r, const std::string& owner, std::int64_t now_ms) {
  return !is_terminal(r.state) && (r.owner == owner || r.lease_ms <= now_ms);
}

} // namespace armada::ago::detail
