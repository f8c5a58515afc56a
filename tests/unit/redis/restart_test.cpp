// The redis provider across a server restart: the test runs its own redis-server on a free port,
// kills it with SIGKILL and starts it again on the same port and directory.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "redis_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_redis::free_port;
using armada::testing_redis::own_redis_server;
using armada::testing_redis::wait_until;

namespace {

class redis_restart : public ::testing::Test {
protected:
  void SetUp() override {
    if (::system("command -v redis-server >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "redis-server is not installed (run scripts/setup)";
    // tmpfs where there is one: fsync on every write stays cheap, and a killed process loses nothing.
    auto base = std::filesystem::is_directory("/dev/shm") ? std::filesystem::path{"/dev/shm"}
                                                          : std::filesystem::temp_directory_path();
    dir_ = base / ("armada-redis-restart-" + uuid::random().to_string().substr(0, 8));
    server_ = std::make_unique<own_redis_server>(free_port(), dir_);
    ASSERT_TRUE(server_->start()) << "redis-server did not start; see " << (dir_ / "redis.log");
  }

  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static herald::message msg(std::string payload) {
    herald::message m;
    m.id = uuid::random().to_string();
    m.topic = "orders";
    m.payload = std::move(payload);
    return m;
  }

  std::filesystem::path dir_;
  std::unique_ptr<own_redis_server> server_;
};

} // namespace

TEST_F(redis_restart, publish_and_fetch_fail_while_the_server_is_down_and_recover_when_it_is_back) {
  auto d = herald::redis::make_driver(server_->url() + "?connect-timeout=500&command-timeout=2000");
  ASSERT_TRUE(d) << describe(d.error());
  auto drv = *d;
  auto s = drv->subscribe("orders", {.group = "g"});
  ASSERT_TRUE(s) << describe(s.error());
  auto& sub = **s;
  std::set<std::string> acknowledged; // published and acknowledged by the server
  std::set<std::string> received;
  auto publish = [&](int i) {
    auto r = drv->publish(msg(std::to_string(i)));
    if (r)
      acknowledged.insert(std::to_string(i));
    return static_cast<bool>(r);
  };
  auto drain = [&] {
    auto batch = sub.fetch(100, 20ms);
    if (!batch)
      return false;
    sub.decode_batch(*batch);
    for (auto& m : *batch)
      received.insert(m.payload);
    return sub.ack_batch(*batch) == caf::none;
  };
  int next = 0;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(publish(next++));
    ASSERT_TRUE(wait_until([&] { return drain() && received.size() == acknowledged.size(); }));
    server_->kill();
    EXPECT_FALSE(publish(next++)); // the server is gone: an error, not a hang
    auto failed = sub.fetch(10, 20ms);
    ASSERT_FALSE(failed);
    EXPECT_NE(describe(failed.error()).find("127.0.0.1"), std::string::npos) << describe(failed.error());
    ASSERT_TRUE(server_->start());
    // The next calls reconnect (after the backoff of the failed attempts).
    ASSERT_TRUE(wait_until([&] { return publish(next++); }));
    ASSERT_TRUE(wait_until([&] { return drain() && received.size() == acknowledged.size(); }))
      << received.size() << " of " << acknowledged.size();
  }
  EXPECT_EQ(received, acknowledged); // nothing the server acknowledged was lost
  EXPECT_TRUE(drv->ping());
}

TEST_F(redis_restart, a_publish_storm_survives_two_server_restarts_and_nothing_acknowledged_is_lost) {
  auto rt = runtime::start(std::make_unique<config>());
  auto c = herald::redis::connect(rt->system(), server_->url() + "?connect-timeout=500&command-timeout=2000");
  ASSERT_TRUE(c) << describe(c.error());
  auto conn = *c;
  std::mutex mtx;
  std::set<std::string> acknowledged, received;
  std::atomic<int> failures{0};
  auto sub = herald::subscribe(conn, "orders", [&](const herald::message& m) {
    std::lock_guard g{mtx};
    received.insert(m.payload);
  });
  ASSERT_TRUE(sub) << describe(sub.error());
  constexpr int publishers = 4;
  constexpr int per_publisher = 2500;
  std::vector<std::thread> threads;
  for (int p = 0; p < publishers; ++p)
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_publisher; ++i) {
        auto payload = std::to_string(p) + "-" + std::to_string(i);
        // Retried until the server acknowledges it (at least once: a retry may duplicate).
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
          if (conn.publish(msg(payload), 5s)) {
            std::lock_guard g{mtx};
            acknowledged.insert(payload);
            break;
          }
          ++failures;
          std::this_thread::sleep_for(5ms); // the publisher's own retry pacing, not a wait for a result
        }
      }
    });
  auto count_acknowledged = [&] {
    std::lock_guard g{mtx};
    return acknowledged.size();
  };
  for (std::size_t at : {2000u, 6000u}) {
    ASSERT_TRUE(wait_until([&] { return count_acknowledged() >= at; }, 60s));
    auto failed_before = failures.load();
    server_->kill();
    ASSERT_TRUE(wait_until([&] { return failures > failed_before; }, 10s)); // publishers noticed
    ASSERT_TRUE(server_->start());
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(count_acknowledged(), std::size_t{publishers * per_publisher});
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard g{mtx};
    return std::includes(received.begin(), received.end(), acknowledged.begin(), acknowledged.end());
  }, 60s)) << received.size() << " received of " << count_acknowledged() << " acknowledged";
  sub->close();
  conn.close();
}
