#pragma once

// Shared pieces of the ago tests: an order, a journal of what handlers did, a fixture with an
// actor system and a capitan instance.

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "armada/ago.hpp"
#include "armada/runtime.hpp"
#include "armada/testing.hpp"

namespace ago_test {

using namespace armada;
using namespace std::chrono_literals;

struct order {
  std::string id;
  std::int64_t amount = 0;
  std::vector<std::string> trail{};
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, amount, trail)

/// What handlers did, in order: "do:<step>" / "undo:<step>", and the idempotency keys seen.
class journal {
public:
  void add(std::string entry, std::string key = {}) {
    std::lock_guard guard{mtx_};
    entries_.push_back(std::move(entry));
    if (!key.empty())
      keys_.push_back(std::move(key));
  }
  std::vector<std::string> entries() const {
    std::lock_guard guard{mtx_};
    return entries_;
  }
  std::vector<std::string> keys() const {
    std::lock_guard guard{mtx_};
    return keys_;
  }

private:
  mutable std::mutex mtx_;
  std::vector<std::string> entries_;
  std::vector<std::string> keys_;
};

/// A step action that records itself.
inline auto doing(journal& j, std::string name) {
  return ago::local<order>([&j, name](const ago::step_context& ctx, order& o) {
    j.add("do:" + name, std::string{ctx.idempotency_key});
    o.trail.push_back(name);
  });
}

/// A compensation that records itself.
inline auto undoing(journal& j, std::string name) {
  return ago::local<order>([&j, name](const ago::step_context& ctx, order&) {
    j.add("undo:" + name, std::string{ctx.idempotency_key});
  });
}

/// A step action that always fails.
inline auto failing(journal& j, std::string name) {
  return ago::local<order>([&j, name](const ago::step_context&, order&) -> pipz::status {
    j.add("fail:" + name);
    return pipz::fail("the " + name + " service said no");
  });
}

class ago_fixture : public ::testing::Test {
protected:
  ago::engine_options options(std::string owner = {}) {
    ago::engine_options o;
    o.events = &events;
    o.owner = std::move(owner);
    return o;
  }

  std::unique_ptr<runtime> rt = runtime::start(std::make_unique<config>());
  capitan::instance events{rt->system()};
  std::shared_ptr<ago::saga_store> store = ago::make_memory_store();
  journal j;
};

/// The values of field `k` in `events`, in order.
inline std::vector<std::string> values(const std::vector<capitan::event>& events, const capitan::key<std::string>& k) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (auto v = k.from(e))
      out.push_back(*v);
  return out;
}

} // namespace ago_test
