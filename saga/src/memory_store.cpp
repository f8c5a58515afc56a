#include <atomic>
#include <mutex>
#include <unordered_map>

#include "armada/ago/store.hpp"
#include "lease.hpp"
#include "sharded.hpp"

namespace armada::ago {

namespace {

class memory_store final : public saga_store {
public:
  void write(saga_record rec, done_fn done) override { done(*write_now(rec)); }

  std::optional<caf::error> write_now(const saga_record& rec) override {
    auto& sh = shards_.of(rec.id);
    std::lock_guard guard{sh.mtx};
    auto& records = sh.map.records;
    auto i = records.find(rec.id);
    if (i != records.end() && !detail::may_write(i->second, rec.owner, rec.updated_ms))
      return detail::lease_lost(i->second, rec.owner);
    ++sh.map.stats.writes;
    ++sh.map.stats.commits;
    if (i != records.end())
      i->second = rec; // copy-assigned: the strings and vectors keep their buffers
    else // room for every compensation, so later copy-assignments reuse the buffer
      records.emplace(rec.id, rec).first->second.compensations.reserve(rec.steps.size());
    return caf::error{};
  }

  caf::expected<std::optional<saga_record>> load(const std::string& id) override {
    auto& sh = shards_.of(id);
    std::lock_guard guard{sh.mtx};
    if (auto i = sh.map.records.find(id); i != sh.map.records.end())
      return std::optional<saga_record>{read(i->second)};
    return std::optional<saga_record>{};
  }

  caf::expected<std::vector<saga_record>> list(std::optional<saga_state> state) override {
    std::vector<saga_record> out;
    shards_.each([&](const shard& sh) {
      for (const auto& [id, r] : sh.records)
        if (!state || r.state == *state)
          out.push_back(read(r));
    });
    return out;
  }

  caf::expected<std::vector<saga_record>> recoverable(const std::string& owner, std::int64_t now_ms) override {
    std::vector<saga_record> out;
    shards_.each([&](const shard& sh) {
      for (const auto& [id, r] : sh.records)
        if (detail::recoverable(r, owner, now_ms))
          out.push_back(read(r));
    });
    return out;
  }

  caf::expected<std::optional<saga_record>> acquire(const std::string& id, const std::string& owner,
                                                    std::int64_t now_ms, std::int64_t until_ms) override {
    auto& sh = shards_.of(id);
    std::lock_guard guard{sh.mtx};
    auto i = sh.map.records.find(id);
    if (i == sh.map.records.end() || is_terminal(i->second.state) || !detail::may_write(i->second, owner, now_ms))
      return std::optional<saga_record>{};
    i->second.owner = owner;
    i->second.lease_ms = until_ms;
    ++i->second.version;
    ++sh.map.stats.writes;
    ++sh.map.stats.commits;
    return std::optional<saga_record>{read(i->second)};
  }

  caf::error renew(const std::string& owner, const std::vector<std::string>& ids, std::int64_t until_ms) override {
    for (const auto& id : ids) {
      auto& sh = shards_.of(id);
      std::lock_guard guard{sh.mtx};
      if (auto i = sh.map.records.find(id); i != sh.map.records.end() && i->second.owner == owner && !is_terminal(i->second.state))
        i->second.lease_ms = until_ms;
    }
    renew_commits_.fetch_add(1, std::memory_order_relaxed); // one renewal is one transaction
    return {};
  }

  store_stats stats() const override {
    store_stats total;
    shards_.each([&](const shard& sh) {
      total.writes += sh.stats.writes;
      total.commits += sh.stats.commits;
    });
    total.commits += renew_commits_.load(std::memory_order_relaxed);
    return total;
  }

  std::string describe() const override { return "memory"; }

private:
  /// A copy with its data encoded (records keep the saga's data unencoded until read).
  static saga_record read(const saga_record& r) {
    auto copy = r;
    copy.materialize();
    return copy;
  }

  struct shard {
    std::unordered_map<std::string, saga_record> records;
    store_stats stats;
  };
  detail::sharded<shard> shards_;
  std::atomic<std::uint64_t> renew_commits_{0};
};

} // namespace

std::shared_ptr<saga_store> make_memory_store() {
  return std::make_shared<memory_store>();
}

} // namespace armada::ago
