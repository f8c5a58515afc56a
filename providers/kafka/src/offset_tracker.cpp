#include "offset_tracker.hpp"

#include <algorithm>

namespace armada::herald::kafka {

void offset_tracker::delivered(std::int32_t partition, std::int64_t offset) {
  auto& p = parts_[partition];
  if (p.next < 0)
    p.committable = offset; // where consumption resumes while nothing is done
  if (p.pending.empty() || p.pending.back() < offset) {
    p.pending.push_back(offset);
  } else { // librdkafka delivers a partition in order; kept sorted and unique anyway
    auto at = std::lower_bound(p.pending.begin(), p.pending.end(), offset);
    if (at == p.pending.end() || *at != offset)
      p.pending.insert(at, offset);
  }
  p.next = std::max(p.next, offset + 1);
}

std::optional<std::int64_t> offset_tracker::done(std::int32_t partition, std::int64_t offset) {
  auto i = parts_.find(partition);
  if (i == parts_.end())
    return std::nullopt;
  auto& p = i->second;
  if (!p.pending.empty() && p.pending.front() == offset) {
    p.pending.pop_front();
  } else {
    auto at = std::lower_bound(p.pending.begin(), p.pending.end(), offset);
    if (at == p.pending.end() || *at != offset)
      return std::nullopt;
    p.pending.erase(at);
  }
  auto commit = p.pending.empty() ? p.next : p.pending.front();
  if (commit <= p.committable)
    return std::nullopt;
  p.committable = commit;
  return commit;
}

bool offset_tracker::outstanding(std::int32_t partition, std::int64_t offset) const {
  auto i = parts_.find(partition);
  return i != parts_.end()
         && std::binary_search(i->second.pending.begin(), i->second.pending.end(), offset);
}

void offset_tracker::forget(std::int32_t partition) {
  parts_.erase(partition);
}

} // namespace armada::herald::kafka
