// The jetstream provider against a real nats-server -js: streams and durable consumers created
// if missing, NakWithDelay with NumDelivered, MaxDeliver, multi-value headers.

#include <set>

#include <gtest/gtest.h>

#include <nats/nats.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing/wait.hpp"
#include "server.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_nats::fetch_n;
using armada::testing_nats::fresh_topic;

namespace {

herald::message msg(const std::string& topic, const std::string& id) {
  herald::message m;
  m.topic = topic;
  m.id = id;
  m.payload = "payload of " + id;
  return m;
}

/// Messages b-0 … b-(n-1) to `topic`.
std::vector<herald::message> numbered(const std::string& topic, int n) {
  std::vector<herald::message> ms;
  for (int i = 0; i < n; ++i)
    ms.push_back(msg(topic, "b-" + std::to_string(i)));
  return ms;
}

/// The stream a publish landed in (the receipt's position is STREAM:SEQUENCE).
std::string stream_of(const herald::publish_receipt& r) {
  return r.broker.substr(0, r.broker.find(':'));
}

/// A JetStream context of its own (not herald's), to look at or change what the server holds.
class raw_js {
public:
  explicit raw_js(const std::string& addr) {
    if (natsConnection_ConnectTo(&nc_, ("nats://" + addr).c_str()) == NATS_OK)
      natsConnection_JetStream(&js_, nc_, nullptr);
  }
  ~raw_js() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }
  raw_js(const raw_js&) = delete;
  raw_js& operator=(const raw_js&) = delete;
  jsCtx* get() const { return js_; }

private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

} // namespace

TEST(jetstream_provider, publish_creates_the_stream_and_a_later_subscriber_reads_the_message_with_its_headers) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv) << describe(drv.error());
  auto topic = fresh_topic("old");
  auto m = msg(topic, "j-1");
  m.key = "customer-7";
  m.metadata["Accept"] = "text/plain\napplication/json";
  auto r = (*drv)->publish(m);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_NE(r->broker.find("UNIT_"), std::string::npos) << r->broker; // stream:sequence
  auto sub = (*drv)->subscribe(topic, {.group = "late"});
  ASSERT_TRUE(sub) << describe(sub.error());
  auto got = fetch_n(**sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "j-1");
  EXPECT_EQ(got[0].key, "customer-7");
  EXPECT_EQ(got[0].meta("Accept"), "text/plain\napplication/json");
  EXPECT_EQ(got[0].attempt, 1u);
  EXPECT_EQ(got[0].broker, r->broker);
  EXPECT_FALSE((*sub)->ack(got[0]));
}

TEST(jetstream_provider, a_publish_with_a_known_message_id_is_stored_once) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("dedup");
  auto first = (*drv)->publish(msg(topic, "same"));
  auto second = (*drv)->publish(msg(topic, "same"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->broker, second->broker);
}

TEST(jetstream_provider, a_batch_is_published_with_one_pub_ack_per_message) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("batch");
  auto ms = numbered(topic, 50);
  auto r = (*drv)->publish_batch(ms);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 50u);
  for (std::size_t i = 0; i < ms.size(); ++i)
    EXPECT_EQ((*r)[i].id, ms[i].id);
  auto sub = (*drv)->subscribe(topic, {});
  ASSERT_TRUE(sub);
  EXPECT_EQ(fetch_n(**sub, 50).size(), 50u);
}

TEST(jetstream_provider, nak_with_delay_redelivers_after_the_delay_with_num_delivered_plus_one) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("nak");
  auto sub = (*drv)->subscribe(topic, {});
  ASSERT_TRUE(sub) << describe(sub.error());
  ASSERT_TRUE((*drv)->publish(msg(topic, "n-1")));
  auto got = fetch_n(**sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attempt, 1u);
  auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE((*sub)->nack(got[0], 500ms));
  auto again = fetch_n(**sub, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 450ms); // the server's timer, not ours
  EXPECT_EQ(again[0].id, "n-1");
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_EQ(again[0].broker, got[0].broker);
}

TEST(jetstream_provider, max_deliver_stops_redelivery_after_that_many_deliveries) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_&max-deliver=2");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("maxdeliver");
  auto sub = (*drv)->subscribe(topic, {});
  ASSERT_TRUE(sub);
  ASSERT_TRUE((*drv)->publish(msg(topic, "m-1")));
  for (std::uint32_t attempt = 1; attempt <= 2; ++attempt) {
    auto got = fetch_n(**sub, 1);
    ASSERT_EQ(got.size(), 1u) << "delivery " << attempt;
    EXPECT_EQ(got[0].attempt, attempt);
    ASSERT_FALSE((*sub)->nack(got[0], 0ms));
  }
  EXPECT_TRUE(fetch_n(**sub, 1, 1500ms).empty()); // a third delivery never comes
}

TEST(jetstream_provider, closing_a_subscription_hands_what_it_held_to_the_next_subscriber_of_the_group_at_once) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("handover");
  auto first = (*drv)->subscribe(topic, {.group = "g"});
  ASSERT_TRUE(first);
  ASSERT_TRUE((*drv)->publish(msg(topic, "h-1")));
  ASSERT_EQ(fetch_n(**first, 1).size(), 1u);
  (*first)->close();
  (*first)->close(); // idempotent
  auto second = (*drv)->subscribe(topic, {.group = "g"});
  ASSERT_TRUE(second);
  auto got = fetch_n(**second, 1, 5s); // well before ack-wait (30 s)
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attempt, 2u);
}

TEST(jetstream_provider, a_topic_that_is_not_a_subject_is_a_config_error_naming_it) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto sub = (*drv)->subscribe("orders.*", {});
  ASSERT_FALSE(sub);
  EXPECT_EQ(herald::code_of(sub.error()), herald::errc::config);
  EXPECT_NE(describe(sub.error()).find("'orders.*'"), std::string::npos) << describe(sub.error());
}

TEST(jetstream_provider, a_fetch_takes_every_waiting_message_in_one_call_and_acks_them_all) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("bulk");
  ASSERT_TRUE((*drv)->publish_batch(numbered(topic, 300)));
  auto sub = (*drv)->subscribe(topic, {.group = "bulk"});
  ASSERT_TRUE(sub);
  // One pull request of 500: the server sends the 300 it has back to back.
  auto got = (*sub)->fetch(500, 5s);
  ASSERT_TRUE(got) << describe(got.error());
  ASSERT_EQ(got->size(), 300u);
  for (int i = 0; i < 300; ++i)
    EXPECT_EQ((*got)[i].id, "b-" + std::to_string(i));
  EXPECT_FALSE((*sub)->ack_batch(*got));
  (*sub)->close();
  // Acked: a new subscriber of the group finds nothing (it would get them all after ack-wait
  // otherwise, and at once had close nacked them).
  auto again = (*drv)->subscribe(topic, {.group = "bulk"});
  ASSERT_TRUE(again);
  auto rest = (*again)->fetch(500, 500ms);
  ASSERT_TRUE(rest) << describe(rest.error());
  EXPECT_TRUE(rest->empty());
}

TEST(jetstream_provider, a_fetch_from_a_deleted_consumer_is_a_transport_error_naming_the_fix) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("gone");
  auto r = (*drv)->publish(msg(topic, "g-1"));
  ASSERT_TRUE(r) << describe(r.error());
  auto stream = stream_of(*r);
  auto sub = (*drv)->subscribe(topic, {.group = "doomed"});
  ASSERT_TRUE(sub);
  raw_js js{addr};
  ASSERT_NE(js.get(), nullptr);
  EXPECT_EQ(js_DeleteConsumer(js.get(), stream.c_str(), "doomed", nullptr, nullptr), NATS_OK);
  auto got = (*sub)->fetch(10, 2s);
  ASSERT_FALSE(got) << got->size() << " messages from a deleted consumer";
  EXPECT_EQ(herald::code_of(got.error()), herald::errc::transport);
  EXPECT_NE(describe(got.error()).find("subscribe again"), std::string::npos) << describe(got.error());
}

TEST(jetstream_provider, a_batch_that_fails_before_anything_was_sent_is_an_error_not_a_crash) {
  ARMADA_NATS_OR_SKIP(addr);
  // A fresh driver: its JetStream context never had an asynchronous publish pending (nats.c
  // 3.4 crashed when asked for the pending list of such a context).
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto ms = numbered("orders.*", 2); // not a subject to publish to
  auto r = (*drv)->publish_batch(ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::config);
  EXPECT_NE(describe(r.error()).find("'orders.*'"), std::string::npos) << describe(r.error());
  // The driver still publishes.
  auto topic = fresh_topic("after");
  auto ok = (*drv)->publish_batch(numbered(topic, 3));
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_EQ(ok->size(), 3u);
}

TEST(jetstream_provider, nothing_is_lost_when_a_subscription_closes_with_messages_on_their_way_to_it) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_&ack-wait=1000");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("unread");
  ASSERT_TRUE((*drv)->publish(msg(topic, "u-0")));
  auto first = (*drv)->subscribe(topic, {.group = "u"});
  ASSERT_TRUE(first);
  // A pull request for 10 that stays open 5 s: the fetch ends with the one message there is,
  // and what is published next is sent to the open request, into the subscription's inbox,
  // where nobody reads it before the close.
  auto got = (*first)->fetch(10, 5s);
  ASSERT_TRUE(got) << describe(got.error());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_TRUE((*drv)->publish_batch(numbered(topic, 2)));
  (*first)->close();
  // Every message reaches the next subscriber of the group: at once when the close could nak
  // it, after ack-wait otherwise (nats-server 2.9 may also hand a nacked message to a pull
  // request of the closed subscription that is still open, or deliver one twice).
  auto second = (*drv)->subscribe(topic, {.group = "u"});
  ASSERT_TRUE(second);
  std::set<std::string> ids;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (ids.size() < 3 && std::chrono::steady_clock::now() < until) {
    auto more = (*second)->fetch(10, 200ms);
    ASSERT_TRUE(more) << describe(more.error());
    for (auto& m : *more) {
      ids.insert(m.id);
      EXPECT_FALSE((*second)->ack(m));
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{"u-0", "b-0", "b-1"}));
}

TEST(jetstream_provider, a_consumer_herald_creates_has_the_max_ack_pending_of_the_url) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_&max-ack-pending=7");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("acklimit");
  auto r = (*drv)->publish(msg(topic, "l-1"));
  ASSERT_TRUE(r) << describe(r.error());
  auto sub = (*drv)->subscribe(topic, {.group = "limited"});
  ASSERT_TRUE(sub) << describe(sub.error());
  raw_js js{addr};
  ASSERT_NE(js.get(), nullptr);
  jsConsumerInfo* info = nullptr;
  auto stream = stream_of(*r);
  ASSERT_EQ(js_GetConsumerInfo(&info, js.get(), stream.c_str(), "limited", nullptr, nullptr), NATS_OK);
  EXPECT_EQ(info->Config->MaxAckPending, 7);
  jsConsumerInfo_Destroy(info);
  (*sub)->close();
}

TEST(jetstream_provider, a_fetch_asks_only_for_what_the_consumer_still_hands_out) {
  ARMADA_NATS_OR_SKIP(addr);
  // An existing consumer (made elsewhere) with MaxAckPending 5: herald keeps its configuration.
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("held");
  auto r = (*drv)->publish_batch(numbered(topic, 12));
  ASSERT_TRUE(r) << describe(r.error());
  auto stream = stream_of(r->front());
  raw_js js{addr};
  ASSERT_NE(js.get(), nullptr);
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  cfg.Durable = "five";
  cfg.AckPolicy = js_AckExplicit;
  cfg.MaxAckPending = 5;
  jsConsumerInfo* info = nullptr;
  ASSERT_EQ(js_AddConsumer(&info, js.get(), stream.c_str(), &cfg, nullptr, nullptr), NATS_OK);
  jsConsumerInfo_Destroy(info);

  auto sub = (*drv)->subscribe(topic, {.group = "five"});
  ASSERT_TRUE(sub) << describe(sub.error());
  auto got = (*sub)->fetch(64, 5s);
  ASSERT_TRUE(got) << describe(got.error());
  ASSERT_EQ(got->size(), 5u) << "the server hands out 5 unacked messages, at most";
  // Holding 5, nothing can come before an ack: the fetch does not wait out its 5 s for it (a
  // pull request would, and the acks that make room would wait behind it).
  auto start = std::chrono::steady_clock::now();
  auto none = (*sub)->fetch(64, 5s);
  ASSERT_TRUE(none) << describe(none.error());
  EXPECT_TRUE(none->empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_FALSE((*sub)->ack_batch(*got));
  auto next = (*sub)->fetch(64, 5s);
  ASSERT_TRUE(next) << describe(next.error());
  ASSERT_EQ(next->size(), 5u);
  EXPECT_EQ(next->front().id, "b-5");
  EXPECT_FALSE((*sub)->ack_batch(*next));
  (*sub)->close();
}

TEST(jetstream_provider, a_batch_of_several_topics_lands_in_each_topics_stream) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_");
  ASSERT_TRUE(drv);
  auto a = fresh_topic("mixed-a");
  auto b = fresh_topic("mixed-b");
  auto ms = numbered(a, 6);
  ms[2].topic = ms[3].topic = ms[5].topic = b; // a a b b a b: the stream changes within the batch
  auto r = (*drv)->publish_batch(ms);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 6u);
  EXPECT_EQ(stream_of((*r)[0]), stream_of((*r)[4]));
  EXPECT_EQ(stream_of((*r)[2]), stream_of((*r)[5]));
  EXPECT_NE(stream_of((*r)[0]), stream_of((*r)[2]));
  auto sub_b = (*drv)->subscribe(b, {});
  ASSERT_TRUE(sub_b);
  auto got = fetch_n(**sub_b, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, "b-2");
  EXPECT_EQ(got[2].id, "b-5");
}

TEST(jetstream_provider, a_member_finds_nothing_while_another_holds_the_consumers_max_ack_pending_and_then_gets_the_rest) {
  ARMADA_NATS_OR_SKIP(addr);
  auto drv = herald::jetstream::make_driver("jetstream://" + addr + "?stream-prefix=UNIT_&max-ack-pending=5");
  ASSERT_TRUE(drv);
  auto topic = fresh_topic("shared");
  ASSERT_TRUE((*drv)->publish_batch(numbered(topic, 8)));
  auto first = (*drv)->subscribe(topic, {.group = "pair"});
  auto second = (*drv)->subscribe(topic, {.group = "pair"});
  ASSERT_TRUE(first && second);
  auto held = (*first)->fetch(64, 5s);
  ASSERT_TRUE(held) << describe(held.error());
  ASSERT_EQ(held->size(), 5u);
  // The consumer hands out nothing more until an ack: not an error, just nothing.
  auto none = (*second)->fetch(64, 300ms);
  ASSERT_TRUE(none) << describe(none.error());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE((*first)->ack_batch(*held));
  auto rest = fetch_n(**second, 3);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest.front().id, "b-5");
}
