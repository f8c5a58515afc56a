// The redis provider across a server restart: the test runs its own redis-server on a free port,
// kills it with SIGKILL and starts it again on the same port and directory.

#include <set>

#include <gtest/gtest.h>

#include "armada/herald/redis.hpp"
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
    dir_ = std::filesystem::temp_directory_path() / ("armada-redis-restart-" + uuid::random().to_string().substr(0, 8));
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
