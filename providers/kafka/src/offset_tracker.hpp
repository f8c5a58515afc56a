#pragma once

// Which offset of a partition may be committed: the lowest one not done yet (or the one after
// the highest delivered when all are done). An offset is done when its message was acked;
// nacked messages stay not done until a redelivery of them is acked.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

namespace armada::herald::kafka {

class offset_tracker {
public:
  /// `offset` of `partition` was handed out.
  void delivered(std::int32_t partition, std::int64_t offset);

  /// `offset` was handled. Returns the offset to commit (where consumption resumes) when it
  /// moved forward; nothing when an earlier offset is still outstanding, or the offset is not
  /// tracked (its partition was revoked since).
  std::optional<std::int64_t> done(std::int32_t partition, std::int64_t offset);

  /// Whether `offset` is delivered and not done (a nack may redeliver it).
  bool outstanding(std::int32_t partition, std::int64_t offset) const;

  /// Forgets a partition (revoked: its next owner resumes at the committed offset).
  void forget(std::int32_t partition);

  void clear() { parts_.clear(); }

private:
  struct partition_state {
    // Sorted. Offsets arrive in order and are mostly done in order: appending and taking the
    // front are O(1), with no tree node to allocate per message.
    std::deque<std::int64_t> pending; ///< delivered, not done
    std::int64_t next = -1;          ///< one past the highest delivered
    std::int64_t committable = -1;   ///< last returned by done()
  };
  std::map<std::int32_t, partition_state> parts_;
};

} // namespace armada::herald::kafka
