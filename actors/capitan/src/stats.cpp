#include "armada/capitan/stats.hpp"

#include <numeric>

namespace armada::capitan {

std::string_view to_string(drop_reason r) {
  switch (r) {
    case drop_reason::no_listener: return "no_listener";
    case drop_reason::cancelled: return "cancelled";
    case drop_reason::shutdown: return "shutdown";
    case drop_reason::queue_full: return "queue_full";
    case drop_reason::disabled: return "disabled";
    case drop_reason::severity: return "severity";
    case drop_reason::rate_limit: return "rate_limit";
  }
  return "unknown";
}

std::uint64_t signal_stats::dropped() const {
  return std::accumulate(drops.begin(), drops.end(), std::uint64_t{0});
}

const signal_stats* instance_stats::find(const signal& s) const {
  for (auto& x : signals)
    if (x.name == s.name())
      return &x;
  return nullptr;
}

std::uint64_t instance_stats::emitted(const signal& s) const {
  auto x = find(s);
  return x ? x->emitted : 0;
}

std::uint64_t instance_stats::delivered(const signal& s) const {
  auto x = find(s);
  return x ? x->delivered : 0;
}

std::uint64_t instance_stats::dropped(const signal& s, drop_reason r) const {
  auto x = find(s);
  return x ? x->dropped(r) : 0;
}

std::uint64_t instance_stats::dropped(drop_reason r) const {
  std::uint64_t total = 0;
  for (auto& x : signals)
    total += x.dropped(r);
  return total;
}

} // namespace armada::capitan
