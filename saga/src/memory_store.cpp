#include <mutex>
#include <unordered_map>

#include "armada/ago/store.hpp"
#include "lease.hpp"

namespace armada::ago {

namespace {

class memory_store final : public saga_store {
public:
  void write(saga_record rec, done_fn done) override { done(*write_now(rec)); }

  std::optional<caf::error> write_now(const saga_record& rec) override {
    std::lock_guard guard{mtx_};
    auto i = records_.find(rec.id);
    if (i != records_.end() && !detail::may_write(i->second, rec.owner, rec.updated_ms))
      return detail::lease_lost(i->second, rec.owner);
    ++stats_.writes;
    ++stats_.commits;
    if (i != records_.end())
      i->second = rec; // copy-assigned: the strings and vectors keep their buffers
    else // room for every compensation, so later copy-assignments reuse the buffer
      records_.emplace(rec.id, rec).first->second.compensations.reserve(rec.steps.size());
    return caf::error{};
  }

  caf::expected<std::optional<saga_record>> load(const std::string& id) override {
    std::lock_guard guard{mtx_};
    if (auto i = records_.find(id); i != records_.end())
      return std::optional<saga_record>{read(i->second)};
    return std::optional<saga_record>{};
  }

  caf::expected<std::vector<saga_record>> list(std::optional<saga_state> state) override {
    std::lock_guard guard{mtx_};
    std::vector<saga_record> out;
    for (const auto& [id, r] : records_)
      if (!state || r.state == *state)
        out.push_back(read(r));
    return out;
  }

  caf::expected<std::vector<saga_record>> recoverable(const std::string& owner, std::int64_t now_ms) override {
    std::lock_guard guard{mtx_};
    std::vector<saga_record> out;
    for (const auto& [id, r] : records_)
      if (detail::recoverable(r, owner, now_ms))
        out.push_back(read(r));
    return out;
  }

  caf::expected<std::optional<saga_record>> acquire(const std::string& id, const std::string& owner,
                                                    std::int64_t now_ms, std::int64_t until_ms) override {
    std::lock_guard guard{mtx_};
    auto i = records_.find(id);
    if (i == records_.end() || is_terminal(i->second.state) || !detail::may_write(i->second, owner, now_ms))
      return std::optional<saga_record>{};
    i->second.owner = owner;
    i->second.lease_ms = until_ms;
    ++i->second.version;
    ++stats_.writes;
    ++stats_.commits;
    return std::optional<saga_record>{read(i->second)};
  }

  caf::error renew(const std::string& owner, const std::vector<std::string>& ids, std::int64_t until_ms) override {
    std::lock_guard guard{mtx_};
    for (const auto& id : ids)
      if (auto i = records_.find(id); i != records_.end() && i->second.owner == owner && !is_terminal(i->second.state))
        i->second.lease_ms = until_ms;
    ++stats_.commits;
    return {};
  }

  store_stats stats() const override {
    std::lock_guard guard{mtx_};
    return stats_;
  }

  std::string describe() const override { return "memory"; }

private:
  /// A copy with its data encoded (records keep the saga's data unencoded until read).
  static saga_record read(const saga_record& r) {
    auto copy = r;
    copy.materialize();
    return copy;
  }

  mutable std::mutex mtx_;
  std::unordered_map<std::string, saga_record> records_;
  store_stats stats_;
};

} // namespace

std::shared_ptr<saga_store> make_memory_store() {
  return std::make_shared<memory_store>();
}

} // namespace armada::ago
