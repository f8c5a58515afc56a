// The kafka provider against the mock cluster of scripts/servers (KAFKA_URL): delivery reports
// as publish acks, key → partition, commits that never pass an unfinished offset, nack that
// redelivers.

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/runtime/error.hpp"
#include "kafka_record.hpp"
#include "kafka_test_kit.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_kafka::fetch_n;
using armada::testing_kafka::fresh;

namespace {

// The mock waits 3 s before a new group's first join and session-timeout − 1 s before an
// emptied group rejoins.
const std::string options = "?session-timeout=6000&heartbeat-interval=500&commit-interval=100";

herald::message msg(const std::string& topic, std::string payload, std::string key = {}) {
  herald::message m;
  m.id = uuid::random().to_string();
  m.topic = topic;
  m.key = std::move(key);
  m.payload = std::move(payload);
  return m;
}

std::pair<std::int32_t, std::int64_t> where(const std::string& broker) {
  std::int32_t p = -1;
  std::int64_t o = -1;
  EXPECT_TRUE(herald::kafka::parse_position(broker, p, o)) << broker;
  return {p, o};
}

} // namespace

TEST(kafka_broker, publish_completes_with_the_partition_and_offset_the_broker_acknowledged) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto topic = fresh("receipt");
  auto a = (*d)->publish(msg(topic, "a"));
  auto b = (*d)->publish(msg(topic, "b"));
  ASSERT_TRUE(a) << describe(a.error());
  ASSERT_TRUE(b) << describe(b.error());
  auto [pa, oa] = where(a->broker);
  auto [pb, ob] = where(b->broker);
  EXPECT_EQ(pa, pb); // unkeyed messages keep one partition (murmur2)
  EXPECT_EQ(ob, oa + 1);
  EXPECT_TRUE((*d)->ping());
}

TEST(kafka_broker, messages_of_one_key_share_a_partition_and_keys_spread_over_partitions) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto topic = fresh("keys");
  std::map<std::string, std::set<std::int32_t>> partitions_of_key;
  std::vector<herald::message> batch;
  for (int i = 0; i < 200; ++i)
    batch.push_back(msg(topic, std::to_string(i), "key-" + std::to_string(i % 20)));
  auto r = (*d)->publish_batch(batch);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), batch.size());
  std::set<std::int32_t> used;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto p = where((*r)[i].broker).first;
    partitions_of_key[batch[i].key].insert(p);
    used.insert(p);
  }
  for (auto& [key, ps] : partitions_of_key)
    EXPECT_EQ(ps.size(), 1u) << key;
  EXPECT_GT(used.size(), 1u); // 20 keys over the topic's partitions
}

TEST(kafka_broker, a_nacked_message_comes_back_after_its_delay_with_the_next_attempt) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto topic = fresh("nack");
  ASSERT_TRUE((*d)->publish(msg(topic, "again")));
  auto s = (*d)->subscribe(topic, {.group = fresh("g")});
  ASSERT_TRUE(s) << describe(s.error());
  auto first = fetch_n(**s, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].attempt, 1u);
  auto nacked_at = std::chrono::steady_clock::now();
  ASSERT_FALSE((*s)->nack(first[0], 300ms));
  auto second = fetch_n(**s, 1, 5s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - nacked_at, 300ms);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].broker, first[0].broker);
  EXPECT_EQ(second[0].attempt, 2u);
  EXPECT_FALSE((*s)->ack(second[0]));
}

TEST(kafka_broker, the_committed_offset_never_passes_a_message_that_is_not_done) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto topic = fresh("commit");
  auto group = fresh("g");
  for (auto p : {"0", "1", "2"})
    ASSERT_TRUE((*d)->publish(msg(topic, p)));
  {
    auto s = (*d)->subscribe(topic, {.group = group});
    ASSERT_TRUE(s) << describe(s.error());
    auto got = fetch_n(**s, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_FALSE((*s)->ack(got[0]));
    EXPECT_FALSE((*s)->nack(got[1], 10s)); // not done: still held when the subscription closes
    EXPECT_FALSE((*s)->ack(got[2]));       // done, but after an unfinished one
    (*s)->close();                          // commits what may be committed: offset of "1"
  }
  auto s = (*d)->subscribe(topic, {.group = group});
  ASSERT_TRUE(s) << describe(s.error());
  auto again = fetch_n(**s, 2, 30s);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].payload, "1"); // redelivered from the broker: never skipped
  EXPECT_EQ(again[1].payload, "2"); // at least once: after "1" comes everything behind it
}

TEST(kafka_broker, publish_without_an_id_makes_one_and_the_record_carries_it) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto topic = fresh("noid");
  auto m = msg(topic, "no id given");
  m.id.clear();
  auto r = (*d)->publish(m);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->id.size(), 36u); // a UUID
  auto s = (*d)->subscribe(topic, {.group = fresh("g")});
  ASSERT_TRUE(s);
  auto got = fetch_n(**s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, r->id);
}

TEST(kafka_broker, a_record_produced_without_herald_arrives_with_its_position_as_id) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto topic = fresh("foreign");
  // A plain librdkafka producer: no headers, no key.
  char err[256];
  auto* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", url.substr(url.find("://") + 3).c_str(), err, sizeof err);
  auto* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(producer, nullptr) << err;
  std::string payload = "raw bytes \x01";
  ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto s = (*d)->subscribe(topic, {.group = fresh("g")});
  ASSERT_TRUE(s) << describe(s.error());
  auto got = fetch_n(**s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, payload);
  EXPECT_EQ(got[0].id, topic + ":" + got[0].broker); // no message-id header: the position identifies it
  EXPECT_TRUE(got[0].metadata.empty());
  EXPECT_FALSE((*s)->ack(got[0]));
}

TEST(kafka_broker, publishing_an_empty_topic_name_is_a_config_error) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg("", "x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::config);
  EXPECT_NE(describe(r.error()).find("needs a topic"), std::string::npos);
}

TEST(kafka_broker, close_makes_publish_and_ping_fail_with_a_closed_error) {
  ARMADA_KAFKA_OR_SKIP(url);
  auto d = herald::kafka::make_driver(url + options);
  ASSERT_TRUE(d) << describe(d.error());
  (*d)->close();
  (*d)->close();
  auto r = (*d)->publish(msg(fresh("closed"), "x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::closed);
  EXPECT_FALSE((*d)->ping());
}
