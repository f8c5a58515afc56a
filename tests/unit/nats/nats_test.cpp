// The nats provider against a real nats-server: headers, queue groups, local nack.

#include <gtest/gtest.h>

#include <nats/nats.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/nats.hpp"
#include "armada/runtime/error.hpp"
#include "server.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_nats::fetch_n;
using armada::testing_nats::fresh_topic;

TEST(nats_provider, metadata_id_and_key_travel_as_headers_and_a_multi_line_value_as_several_header_values) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::nats::make_driver("nats://" + addr);
  ASSERT_TRUE(drv) << describe(drv.error());
  auto topic = fresh_topic("headers");
  auto sub = (*drv)->subscribe(topic, {});
  ASSERT_TRUE(sub) << describe(sub.error());
  herald::message m;
  m.topic = topic;
  m.id = "id-1";
  m.key = "k";
  m.payload = std::string{"\0bin", 4};
  m.metadata["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  m.metadata["X-Multi"] = "one\ntwo";
  ASSERT_TRUE((*drv)->publish(m));
  auto got = fetch_n(**sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "id-1");
  EXPECT_EQ(got[0].key, "k");
  EXPECT_EQ(got[0].payload, m.payload);
  EXPECT_EQ(got[0].meta("traceparent"), m.metadata["traceparent"]);
  EXPECT_EQ(got[0].meta("X-Multi"), "one\ntwo");
  (*sub)->close();
  (*drv)->close();
}

TEST(nats_provider, a_message_with_several_values_of_one_header_from_another_client_keeps_them_all) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::nats::make_driver("nats://" + addr);
  ASSERT_TRUE(drv) << describe(drv.error());
  auto topic = fresh_topic("raw");
  auto sub = (*drv)->subscribe(topic, {});
  ASSERT_TRUE(sub);
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, ("nats://" + addr).c_str()), NATS_OK);
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsMsg_Create(&msg, topic.c_str(), nullptr, "x", 1), NATS_OK);
  natsMsgHeader_Add(msg, "Accept", "text/plain");
  natsMsgHeader_Add(msg, "Accept", "application/json");
  ASSERT_EQ(natsConnection_PublishMsg(nc, msg), NATS_OK);
  natsConnection_Flush(nc);
  natsMsg_Destroy(msg);
  natsConnection_Destroy(nc);
  auto got = fetch_n(**sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].meta("Accept"), "text/plain\napplication/json");
  EXPECT_FALSE(got[0].id.empty()); // published without an id: a local one keeps ack / nack apart
}

TEST(nats_provider, a_metadata_name_that_cannot_be_a_header_is_an_encode_error_naming_it) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::nats::make_driver("nats://" + addr);
  ASSERT_TRUE(drv);
  herald::message m;
  m.topic = fresh_topic("bad");
  m.metadata["bad name"] = "v";
  auto r = (*drv)->publish(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::encode);
  EXPECT_NE(describe(r.error()).find("'bad name'"), std::string::npos) << describe(r.error());
}

TEST(nats_provider, a_queue_group_shares_messages_and_each_group_gets_every_message) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::nats::make_driver("nats://" + addr);
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("groups");
  auto a1 = (*drv)->subscribe(topic, {.group = "a"});
  auto a2 = (*drv)->subscribe(topic, {.group = "a"});
  auto b = (*drv)->subscribe(topic, {.group = "b"});
  ASSERT_TRUE(a1 && a2 && b);
  for (int i = 0; i < 40; ++i) {
    herald::message m;
    m.topic = topic;
    m.id = std::to_string(i);
    ASSERT_TRUE((*drv)->publish(m));
  }
  EXPECT_EQ(fetch_n(**b, 40).size(), 40u);
  auto first = fetch_n(**a1, 40, 500ms).size();
  auto second = fetch_n(**a2, 40, 500ms).size();
  EXPECT_EQ(first + second, 40u);
}

TEST(nats_provider, a_nacked_message_comes_back_to_the_same_subscription_after_the_delay) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::nats::make_driver("nats://" + addr);
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("nack");
  auto sub = (*drv)->subscribe(topic, {});
  ASSERT_TRUE(sub);
  herald::message m;
  m.topic = topic;
  m.id = "n-1";
  ASSERT_TRUE((*drv)->publish(m));
  auto got = fetch_n(**sub, 1);
  ASSERT_EQ(got.size(), 1u);
  auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE((*sub)->nack(got[0], 200ms));
  auto again = fetch_n(**sub, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(again[0].id, "n-1");
  EXPECT_EQ(again[0].attempt, 2u);
}

TEST(nats_provider, a_batch_of_several_topics_reaches_each_topic_and_a_topic_that_is_not_a_subject_fails_it) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::nats::make_driver("nats://" + addr);
  ASSERT_TRUE(drv);
  auto a = fresh_topic("mixed-a");
  auto b = fresh_topic("mixed-b");
  auto sub_a = (*drv)->subscribe(a, {});
  auto sub_b = (*drv)->subscribe(b, {});
  ASSERT_TRUE(sub_a && sub_b);
  std::vector<herald::message> batch;
  for (int i = 0; i < 6; ++i) { // a a b b a b: the subject changes within the batch
    herald::message m;
    m.topic = (i == 2 || i == 3 || i == 5) ? b : a;
    m.id = "m-" + std::to_string(i);
    batch.push_back(m);
  }
  auto r = (*drv)->publish_batch(batch);
  ASSERT_TRUE(r) << describe(r.error());
  auto got_a = fetch_n(**sub_a, 3);
  auto got_b = fetch_n(**sub_b, 3);
  ASSERT_EQ(got_a.size(), 3u);
  ASSERT_EQ(got_b.size(), 3u);
  EXPECT_EQ(got_a[2].id, "m-4");
  EXPECT_EQ(got_b[2].id, "m-5");
  batch[4].topic = "orders.*";
  auto bad = (*drv)->publish_batch(batch);
  ASSERT_FALSE(bad);
  EXPECT_EQ(herald::code_of(bad.error()), herald::errc::config);
  EXPECT_NE(describe(bad.error()).find("'orders.*'"), std::string::npos) << describe(bad.error());
}
