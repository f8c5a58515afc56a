#include "offset_tracker.hpp"

#include <algorithm>

namespace armada::herald::kafka {

void offset_tracker::delivered(std::int32_t partition, std::int64_t offset) {
  auto& p = parts_[partition];
  if (p.next < 0)
    p.committable = offset; // where consumption resumes while nothing is done
  p.pending.insert(offset);
  p.next = std::max(p.next, offset + 1);
}

std::optional<std::int64_t> offset_tracker::done(std::int32_t partition, std::int64_t offset) {
  auto i = parts_.find(partition);
  if (i == parts_.end())
    return std::nullopt;
  auto& p = i->second;
  if (p.pending.erase(offset) == 0)
    return std::nullopt;
  auto commit = p.pending.empty() ? p.next : *p.pending.begin();
  if (commit <= p.committable)
    return std::nullopt;
  p.committable = commit;
  return commit;
}

bool offset_tracker::outstanding(std::int32_t partition, std::int64_t offset) const {
  auto i = parts_.find(partition);
  return i != parts_.end() && i->second.pending.count(offset) > 0;
}

void offset_tracker::forget(std::int32_t partition) {
  parts_.erase(partition);
}

} // namespace armada::herald::kafka
