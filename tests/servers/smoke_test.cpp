// Proves that scripts/servers started real servers the tests can reach. Each test skips, with
// the reason, when its server is not running — never passes without it.

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <nats/nats.h>

#include "armada/testing/servers.hpp"

using armada::testing::servers;

namespace {

// "scheme://host:port" → {host, port}
std::pair<std::string, int> host_port(const std::string& url) {
  auto rest = url.substr(url.find("://") + 3);
  auto colon = rest.rfind(':');
  return {rest.substr(0, colon), std::stoi(rest.substr(colon + 1))};
}

} // namespace

TEST(servers, redis_answers_ping_and_serves_a_stream_on_loopback) {
  auto url = servers::load().get("REDIS_URL");
  if (!url)
    GTEST_SKIP() << servers::missing("REDIS_URL");
  auto [host, port] = host_port(*url);
  ASSERT_EQ(host, "127.0.0.1");
  std::unique_ptr<redisContext, decltype(&redisFree)> ctx{redisConnect(host.c_str(), port), &redisFree};
  ASSERT_TRUE(ctx && !ctx->err) << (ctx ? ctx->errstr : "no context");
  auto ping = static_cast<redisReply*>(redisCommand(ctx.get(), "PING"));
  ASSERT_NE(ping, nullptr);
  EXPECT_STREQ(ping->str, "PONG");
  freeReplyObject(ping);
  auto del = static_cast<redisReply*>(redisCommand(ctx.get(), "DEL armada.smoke"));
  freeReplyObject(del);
  auto add = static_cast<redisReply*>(redisCommand(ctx.get(), "XADD armada.smoke * k v"));
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->type, REDIS_REPLY_STRING);
  freeReplyObject(add);
  auto len = static_cast<redisReply*>(redisCommand(ctx.get(), "XLEN armada.smoke"));
  ASSERT_NE(len, nullptr);
  EXPECT_EQ(len->integer, 1);
  freeReplyObject(len);
}

TEST(servers, nats_delivers_a_published_message_to_a_subscriber_on_loopback) {
  auto url = servers::load().get("NATS_URL");
  if (!url)
    GTEST_SKIP() << servers::missing("NATS_URL");
  ASSERT_EQ(host_port(*url).first, "127.0.0.1");
  natsConnection* conn = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&conn, url->c_str()), NATS_OK) << nats_GetLastError(nullptr);
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, conn, "armada.smoke"), NATS_OK);
  ASSERT_EQ(natsConnection_PublishString(conn, "armada.smoke", "hello"), NATS_OK);
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsSubscription_NextMsg(&msg, sub, 5000), NATS_OK);
  EXPECT_EQ(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)), "hello");
  natsMsg_Destroy(msg);
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(conn);
}
