#pragma once

// The lease rules every store applies (internal).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

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

/// The lease of a record, kept apart from it so a write checks it without decoding the record:
/// "<lease ms> <owner>" (the embedded store's leases database).
struct lease_info {
  std::int64_t lease_ms = 0;
  std::string owner;
};

inline std::string encode_lease(std::int64_t ms, const std::string& owner) {
  return std::to_string(ms) + " " + owner;
}

/// The lease in `v`. Damaged digits (none, or too many for an int64) read as 0: the lease ended.
inline lease_info decode_lease(std::string_view v) {
  lease_info l;
  auto sp = v.find(' ');
  auto digits = v.substr(0, sp);
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  for (char c : digits) {
    if (c < '0' || c > '9')
      continue;
    if (l.lease_ms > (max - (c - '0')) / 10) {
      l.lease_ms = 0;
      break;
    }
    l.lease_ms = l.lease_ms * 10 + (c - '0');
  }
  if (sp != std::string_view::npos)
    l.owner = std::string{v.substr(sp + 1)};
  return l;
}

inline bool lease_free(const lease_info& l, const std::string& writer, std::int64_t now_ms) {
  return l.owner == writer || l.owner.empty() || l.lease_ms <= now_ms;
}

} // namespace armada::ago::detail
