#pragma once

// A map split into shards by key hash, each behind its own mutex: saga actors on every worker
// write their own records at once without queueing on one lock (internal).

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace armada::ago::detail {

template <class Map, std::size_t N = 64>
class sharded {
public:
  struct alignas(64) shard {
    mutable std::mutex mtx;
    Map map;
  };

  shard& of(std::string_view key) { return shards_[std::hash<std::string_view>{}(key) % N]; }

  /// Calls `fn(map)` for every shard, each under its lock, one after the other.
  template <class F>
  void each(F&& fn) {
    each_of(*this, fn);
  }
  template <class F>
  void each(F&& fn) const {
    each_of(*this, fn);
  }

private:
  template <class Self, class F>
  static void each_of(Self& self, F& fn) {
    for (auto& s : self.shards_) {
      std::lock_guard guard{s.mtx};
      fn(s.map);
    }
  }

  std::array<shard, N> shards_;
};

} // namespace armada::ago::detail
