// The lease keeper of the cloud providers: what is held is renewed before it runs out, what is
// released is not, and stop hands back what is still held.

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "armada/herald/lease_keeper.hpp"
#include "publish_storm.hpp" // wait_until

using namespace std::chrono_literals;
using armada::herald::lease_keeper;
using armada::testing_storm::wait_until;

namespace {

/// The ids renewed so far, shared with the keeper thread.
struct renewals {
  std::mutex mtx;
  std::multiset<std::string> ids;

  std::size_t count(const std::string& id) {
    std::lock_guard lock{mtx};
    return ids.count(id);
  }
};

} // namespace

TEST(lease_keeper, a_held_id_is_renewed_again_and_again_until_it_is_released) {
  renewals seen;
  lease_keeper keeper{400ms, [&](const std::vector<std::string>& due) {
                        std::lock_guard lock{seen.mtx};
                        seen.ids.insert(due.begin(), due.end());
                      }};
  keeper.start();
  keeper.hold("a");
  keeper.hold("b");
  ASSERT_TRUE(wait_until([&] { return seen.count("a") >= 2 && seen.count("b") >= 1; }));
  keeper.release("b");
  auto b_before = seen.count("b");
  auto a_before = seen.count("a");
  // "a" keeps being renewed (two more rounds) while "b" is not renewed any more.
  ASSERT_TRUE(wait_until([&] { return seen.count("a") >= a_before + 2; }));
  EXPECT_LE(seen.count("b"), b_before + 1); // at most a renewal already under way
  auto held = keeper.stop();
  EXPECT_EQ(held, std::vector<std::string>{"a"});
  EXPECT_TRUE(keeper.stop().empty()); // idempotent; nothing tracked any more
}

TEST(lease_keeper, stop_returns_at_once_with_what_is_held_and_renewed_nothing_early) {
  std::atomic<int> calls{0};
  lease_keeper keeper{10s, [&](const std::vector<std::string>&) { ++calls; }};
  keeper.start();
  keeper.hold("a");
  auto started = std::chrono::steady_clock::now();
  auto held = keeper.stop(); // the keeper's next check is 2.5 s away: stop does not wait for it
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(calls.load(), 0); // 10 s left of a 10 s term: nothing due
  EXPECT_EQ(held, std::vector<std::string>{"a"});
}
