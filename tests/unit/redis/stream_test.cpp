// The redis provider's driver against the server of `scripts/servers up redis`: stream entries,
// acks, nacks, and pending entries of a consumer that died.

#include <gtest/gtest.h>

#include "armada/herald/redis.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "redis_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_redis::raw_redis;

namespace {

class redis_stream : public ::testing::Test {
protected:
  void SetUp() override {
    auto url = armada::testing::servers::load().get("REDIS_URL");
    if (!url)
      GTEST_SKIP() << armada::testing::servers::missing("REDIS_URL");
    server_ = *url;
    prefix_ = "unit:" + uuid::random().to_string().substr(0, 8) + ":";
  }

  std::shared_ptr<herald::driver> driver(const std::string& extra = {}) {
    auto d = herald::redis::make_driver(server_ + "?prefix=" + prefix_ + extra);
    EXPECT_TRUE(d) << describe(d.error());
    return d ? *d : nullptr;
  }

  std::unique_ptr<herald::subscription_driver> subscribe(herald::driver& d, const std::string& topic,
                                                         const std::string& group = "g") {
    auto s = d.subscribe(topic, {.group = group});
    EXPECT_TRUE(s) << describe(s.error());
    return s ? std::move(*s) : nullptr;
  }

  static herald::message msg(const std::string& topic, std::string payload) {
    herald::message m;
    m.id = uuid::random().to_string();
    m.topic = topic;
    m.payload = std::move(payload);
    return m;
  }

  /// Fetches until `n` messages arrived or `timeout` passed.
  static std::vector<herald::message> fetch(herald::subscription_driver& s, std::size_t n,
                                            std::chrono::milliseconds timeout = 10s) {
    std::vector<herald::message> got;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto batch = s.fetch(n - got.size(), 50ms);
      EXPECT_TRUE(batch) << describe(batch.error());
      if (batch)
        s.decode_batch(*batch);
      if (batch)
        for (auto& m : *batch)
          got.push_back(std::move(m));
    }
    return got;
  }

  std::string server_;
  std::string prefix_;
};

} // namespace

TEST_F(redis_stream, metadata_named_like_the_payload_field_or_the_envelope_field_survives) {
  auto d = driver();
  ASSERT_TRUE(d);
  auto s = subscribe(*d, "collide");
  auto m = msg("collide", std::string{"\0payload\xff", 9});
  m.key = "k";
  m.metadata = {{"e", "not the envelope"}, {"data", "not the payload"}, {"payload", "neither"}, {"id", "x"}};
  auto r = d->publish(m);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->id, m.id);
  EXPECT_FALSE(r->broker.empty());
  auto got = fetch(*s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, m.payload);
  EXPECT_EQ(got[0].metadata, m.metadata);
  EXPECT_EQ(got[0].id, m.id);
  EXPECT_EQ(got[0].key, "k");
  EXPECT_EQ(got[0].broker, r->broker);
  EXPECT_EQ(got[0].attempt, 1u);
}

TEST_F(redis_stream, an_entry_not_written_by_herald_arrives_with_its_fields_and_the_reason) {
  auto d = driver();
  ASSERT_TRUE(d);
  auto s = subscribe(*d, "foreign");
  raw_redis raw{server_};
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.command({"XADD", prefix_ + "foreign", "*", "data", "hello"}));
  auto got = fetch(*s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].meta("data"), "hello");
  EXPECT_NE(got[0].meta("redis-decode-error").find("no field 'e'"), std::string::npos);
  EXPECT_TRUE(got[0].payload.empty());
}

TEST_F(redis_stream, publish_batch_returns_a_receipt_per_message_in_order_from_one_pipeline) {
  auto d = driver();
  ASSERT_TRUE(d);
  auto s = subscribe(*d, "batch");
  std::vector<herald::message> ms;
  for (int i = 0; i < 50; ++i)
    ms.push_back(msg("batch", std::to_string(i)));
  auto r = d->publish_batch(ms);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 50u);
  for (std::size_t i = 0; i < ms.size(); ++i)
    EXPECT_EQ((*r)[i].id, ms[i].id);
  auto got = fetch(*s, 50);
  ASSERT_EQ(got.size(), 50u);
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].payload, std::to_string(i));
  ASSERT_FALSE(s->ack_batch(got));
  raw_redis raw{server_};
  auto pending = raw.command({"XPENDING", prefix_ + "batch", "g"});
  ASSERT_TRUE(pending && pending->type == REDIS_REPLY_ARRAY);
  EXPECT_EQ(pending->element[0]->integer, 0); // one XACK took them all
}

TEST_F(redis_stream, maxlen_trims_the_stream_approximately) {
  auto d = driver("&maxlen=100");
  ASSERT_TRUE(d);
  std::vector<herald::message> ms;
  for (int i = 0; i < 1000; ++i)
    ms.push_back(msg("trim", std::to_string(i)));
  ASSERT_TRUE(d->publish_batch(ms));
  raw_redis raw{server_};
  auto len = raw.command({"XLEN", prefix_ + "trim"});
  ASSERT_TRUE(len);
  EXPECT_LT(len->integer, 500);
  EXPECT_GE(len->integer, 100);
}

TEST_F(redis_stream, a_nacked_message_comes_back_after_its_delay_with_the_next_attempt) {
  auto d = driver("&claim-idle=10000&claim-interval=20");
  ASSERT_TRUE(d);
  auto s = subscribe(*d, "nack");
  ASSERT_TRUE(d->publish(msg("nack", "again")));
  auto first = fetch(*s, 1);
  ASSERT_EQ(first.size(), 1u);
  auto nacked_at = std::chrono::steady_clock::now();
  ASSERT_FALSE(s->nack(first[0], 300ms));
  auto second = fetch(*s, 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - nacked_at, 250ms);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].attempt, 2u);
  ASSERT_FALSE(s->ack(second[0]));
  EXPECT_TRUE(fetch(*s, 1, 300ms).empty());
}

TEST_F(redis_stream, a_pending_message_of_a_consumer_that_died_is_claimed_by_another_after_claim_idle) {
  auto d = driver("&claim-idle=300&claim-interval=50");
  ASSERT_TRUE(d);
  auto s = subscribe(*d, "orphan", "workers"); // creates the group
  ASSERT_TRUE(d->publish(msg("orphan", "held by the dead")));
  // A consumer of the same group takes it and dies without acking (raw XREADGROUP).
  raw_redis raw{server_};
  auto taken = raw.command({"XREADGROUP", "GROUP", "workers", "dead-consumer", "COUNT", "1", "STREAMS",
                            prefix_ + "orphan", ">"});
  ASSERT_TRUE(taken && taken->type == REDIS_REPLY_ARRAY);
  auto start = std::chrono::steady_clock::now();
  auto got = fetch(*s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms); // not before claim-idle
  EXPECT_EQ(got[0].payload, "held by the dead");
  EXPECT_EQ(got[0].attempt, 2u); // the delivery count counts the dead consumer's delivery
  ASSERT_FALSE(s->ack(got[0]));
}

TEST_F(redis_stream, closing_a_subscription_hands_its_unacked_messages_to_the_group_at_once) {
  auto d = driver("&claim-idle=60000");
  ASSERT_TRUE(d);
  auto a = subscribe(*d, "handover", "workers");
  auto b = subscribe(*d, "handover", "workers");
  ASSERT_TRUE(d->publish(msg("handover", "x")));
  auto got = fetch(*a, 1);
  ASSERT_EQ(got.size(), 1u);
  a->close();
  a->close(); // idempotent
  auto again = fetch(*b, 1, 5s); // long before claim-idle
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, got[0].id);
}

TEST_F(redis_stream, competing_consumers_of_one_group_share_and_groups_each_get_everything) {
  auto d = driver();
  ASSERT_TRUE(d);
  auto a = subscribe(*d, "share", "g1");
  auto b = subscribe(*d, "share", "g1");
  auto c = subscribe(*d, "share", "g2");
  std::vector<herald::message> ms;
  for (int i = 0; i < 20; ++i)
    ms.push_back(msg("share", std::to_string(i)));
  ASSERT_TRUE(d->publish_batch(ms));
  auto from_a = fetch(*a, 10, 2s);
  auto from_b = fetch(*b, 20 - from_a.size(), 5s);
  EXPECT_EQ(from_a.size() + from_b.size(), 20u);
  EXPECT_EQ(fetch(*c, 20).size(), 20u);
}

TEST_F(redis_stream, ping_is_a_round_trip_and_close_is_idempotent) {
  auto d = driver();
  ASSERT_TRUE(d);
  auto p = d->ping();
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_GT(p->count(), 0);
  d->close();
  d->close();
  EXPECT_FALSE(d->ping());
  EXPECT_FALSE(d->publish(msg("after", "close")));
}
