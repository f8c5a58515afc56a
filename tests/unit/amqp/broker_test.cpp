// The amqp provider against the rabbitmq-server of scripts/servers (AMQP_URL): publisher
// confirms, mandatory publishes and basic.return, basic.qos prefetch, nack with a delay, reject to
// a dead-letter exchange, bad credentials and missing exchanges.

#include <thread>

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/herald/errc.hpp"
#include "armada/herald/url.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/testing/servers.hpp"
#include "fetch_n.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_support::fetch_n;

namespace {

#define ARMADA_AMQP_OR_SKIP(var)                                                                   \
  auto var##_opt = ::armada::testing::servers::load().get("AMQP_URL");                              \
  if (!var##_opt)                                                                                   \
    GTEST_SKIP() << ::armada::testing::servers::missing("AMQP_URL");                               \
  const std::string var = *var##_opt

/// A prefix no other test uses.
std::string fresh_prefix() {
  return "unit." + uuid::random().to_string().substr(0, 8) + ".";
}

herald::message msg(std::string payload) {
  herald::message m;
  m.id = uuid::random().to_string();
  m.topic = "orders";
  m.payload = std::move(payload);
  return m;
}

} // namespace

TEST(amqp_broker, publish_completes_on_the_publisher_confirm_and_the_default_group_queue_keeps_it) {
  ARMADA_AMQP_OR_SKIP(url);
  auto d = herald::amqp::make_driver(url + "?prefix=" + fresh_prefix());
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg("kept"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_FALSE(r->broker.empty()); // the confirm's delivery tag
  auto s = (*d)->subscribe("orders", {}); // the default group: its queue was declared on publish
  ASSERT_TRUE(s) << describe(s.error());
  auto got = fetch_n(**s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "kept");
  EXPECT_EQ(got[0].id, r->id);
  EXPECT_FALSE((*s)->ack(got[0]));
}

TEST(amqp_broker, a_publish_no_queue_receives_is_returned_and_fails_as_unroutable) {
  ARMADA_AMQP_OR_SKIP(url);
  auto d = herald::amqp::make_driver(url + "?default-group=&prefix=" + fresh_prefix());
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg("nobody listens"));
  ASSERT_FALSE(r);
  auto e = describe(r.error());
  EXPECT_NE(e.find("unroutable"), std::string::npos) << e;
  EXPECT_NE(e.find("NO_ROUTE"), std::string::npos) << e;
  // Once a group's queue exists, the same publish is routed (the channel recovered).
  auto s = (*d)->subscribe("orders", {.group = "billing"});
  ASSERT_TRUE(s) << describe(s.error());
  auto ok = (*d)->publish(msg("now routed"));
  ASSERT_TRUE(ok) << describe(ok.error());
  auto got = fetch_n(**s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "now routed");
}

TEST(amqp_broker, prefetch_bounds_what_the_broker_hands_out_before_acks) {
  ARMADA_AMQP_OR_SKIP(url);
  auto d = herald::amqp::make_driver(url + "?prefix=" + fresh_prefix());
  ASSERT_TRUE(d) << describe(d.error());
  auto s = (*d)->subscribe("orders", {.prefetch = 2});
  ASSERT_TRUE(s) << describe(s.error());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE((*d)->publish(msg(std::to_string(i))));
  auto first = fetch_n(**s, 2);
  ASSERT_EQ(first.size(), 2u);
  // basic.qos 2: nothing more arrives while both are unacked (a window to assert the absence).
  auto none = (*s)->fetch(10, 300ms);
  ASSERT_TRUE(none) << describe(none.error());
  EXPECT_TRUE(none->empty());
  ASSERT_FALSE((*s)->ack(first[0]));
  auto next = fetch_n(**s, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].payload, "2");
}

TEST(amqp_broker, a_batch_ack_settles_exactly_its_messages_whether_they_are_the_oldest_or_not) {
  ARMADA_AMQP_OR_SKIP(url);
  auto d = herald::amqp::make_driver(url + "?prefix=" + fresh_prefix());
  ASSERT_TRUE(d) << describe(d.error());
  auto s = (*d)->subscribe("orders", {.prefetch = 10});
  ASSERT_TRUE(s) << describe(s.error());
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE((*d)->publish(msg(std::to_string(i))));
  auto got = fetch_n(**s, 6);
  ASSERT_EQ(got.size(), 6u);
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(got[i].payload, std::to_string(i));
  ASSERT_FALSE((*s)->ack_batch({got[0], got[1]})); // the two oldest: one basic.ack with `multiple`
  ASSERT_FALSE((*s)->ack_batch({got[5], got[3]})); // not the oldest ("2" is still out): one by one
  ASSERT_FALSE((*s)->ack(got[4]));
  (*s)->close(); // "2" was never settled: the broker requeues it, and only it
  auto again = (*d)->subscribe("orders", {.prefetch = 10});
  ASSERT_TRUE(again) << describe(again.error());
  auto back = fetch_n(**again, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].payload, "2");
  auto more = (*again)->fetch(10, 300ms); // a window to assert that nothing else comes back
  ASSERT_TRUE(more) << describe(more.error());
  EXPECT_TRUE(more->empty()) << more->size() << " more, first " << more->front().payload;
  EXPECT_FALSE((*again)->ack(back[0]));
}

TEST(amqp_broker, a_nacked_message_is_held_for_its_delay_then_requeued_with_the_next_attempt) {
  ARMADA_AMQP_OR_SKIP(url);
  auto d = herald::amqp::make_driver(url + "?prefix=" + fresh_prefix());
  ASSERT_TRUE(d) << describe(d.error());
  auto s = (*d)->subscribe("orders", {});
  ASSERT_TRUE(s) << describe(s.error());
  ASSERT_TRUE((*d)->publish(msg("again")));
  auto first = fetch_n(**s, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].attempt, 1u);
  auto nacked_at = std::chrono::steady_clock::now();
  ASSERT_FALSE((*s)->nack(first[0], 400ms));
  auto second = fetch_n(**s, 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - nacked_at, 400ms);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].attempt, 2u);
  EXPECT_FALSE((*s)->ack(second[0]));
}

TEST(amqp_broker, a_wrong_password_is_refused_with_the_fix) {
  ARMADA_AMQP_OR_SKIP(url);
  auto wrong = url;
  wrong.replace(wrong.find("guest@"), 6, "wrong@");
  auto d = herald::amqp::make_driver(wrong);
  ASSERT_FALSE(d);
  auto e = describe(d.error());
  EXPECT_NE(e.find("check the user, password and vhost"), std::string::npos) << e;
  EXPECT_EQ(e.find("wrong@"), std::string::npos) << e; // the password is not shown
}

TEST(amqp_broker, with_declare_off_a_missing_exchange_is_a_config_error_naming_it) {
  ARMADA_AMQP_OR_SKIP(url);
  auto prefix = fresh_prefix();
  auto d = herald::amqp::make_driver(url + "?declare=false&prefix=" + prefix);
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::config);
  auto e = describe(r.error());
  EXPECT_NE(e.find("'" + prefix + "orders'"), std::string::npos) << e;
  EXPECT_NE(e.find("set declare=true"), std::string::npos) << e;
  EXPECT_TRUE((*d)->ping()); // the connection recovers for the next call
}

TEST(amqp_broker, close_makes_publish_and_ping_fail_with_a_closed_error) {
  ARMADA_AMQP_OR_SKIP(url);
  auto d = herald::amqp::make_driver(url + "?prefix=" + fresh_prefix());
  ASSERT_TRUE(d) << describe(d.error());
  EXPECT_TRUE((*d)->ping());
  (*d)->close();
  (*d)->close();
  auto r = (*d)->publish(msg("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), herald::errc::closed);
  EXPECT_FALSE((*d)->ping());
}

TEST(amqp_broker, a_message_published_without_herald_arrives_with_its_delivery_as_id) {
  ARMADA_AMQP_OR_SKIP(url);
  auto prefix = fresh_prefix();
  auto d = herald::amqp::make_driver(url + "?prefix=" + prefix);
  ASSERT_TRUE(d) << describe(d.error());
  auto s = (*d)->subscribe("orders", {});
  ASSERT_TRUE(s) << describe(s.error());
  // A plain rabbitmq-c publish to the topic's exchange: no message-id, no headers.
  auto u = herald::url::parse(url);
  ASSERT_TRUE(u);
  auto conn = amqp_new_connection();
  auto* sock = amqp_tcp_socket_new(conn);
  ASSERT_EQ(amqp_socket_open(sock, u->host.c_str(), u->port), AMQP_STATUS_OK);
  ASSERT_EQ(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type,
            AMQP_RESPONSE_NORMAL);
  amqp_channel_open(conn, 1);
  std::string exchange = prefix + "orders", payload = "foreign \x02";
  ASSERT_EQ(amqp_basic_publish(conn, 1, amqp_bytes_t{exchange.size(), exchange.data()}, amqp_empty_bytes, 0, 0,
                               nullptr, amqp_bytes_t{payload.size(), payload.data()}),
            AMQP_STATUS_OK);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  auto got = fetch_n(**s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, payload);
  EXPECT_EQ(got[0].id, got[0].broker); // no message-id: the delivery identifies it
  EXPECT_TRUE(got[0].key.empty());
  EXPECT_FALSE((*s)->ack(got[0]));
}

TEST(amqp_broker, a_message_rejected_for_good_lands_in_the_queue_bound_to_the_dead_letter_exchange) {
  ARMADA_AMQP_OR_SKIP(url);
  auto prefix = fresh_prefix();
  // The dead-letter exchange is the exchange of topic 'orders.rejected': a subscription to that
  // topic reads a queue bound to it.
  auto d = herald::amqp::make_driver(url + "?prefix=" + prefix + "&dead-letter-exchange=" + prefix + "orders.rejected");
  ASSERT_TRUE(d) << describe(d.error());
  auto dead = (*d)->subscribe("orders.rejected", {.group = "audit"});
  ASSERT_TRUE(dead) << describe(dead.error());
  auto s = (*d)->subscribe("orders", {});
  ASSERT_TRUE(s) << describe(s.error());
  auto sent = msg("poison");
  sent.key = "k1";
  sent.metadata["origin"] = "checkout";
  ASSERT_TRUE((*d)->publish(sent));
  auto got = fetch_n(**s, 1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_FALSE((*s)->reject(got[0]));
  auto landed = fetch_n(**dead, 1);
  ASSERT_EQ(landed.size(), 1u);
  EXPECT_EQ(landed[0].payload, "poison");
  EXPECT_EQ(landed[0].id, sent.id);
  EXPECT_EQ(landed[0].key, "k1");
  EXPECT_EQ(landed[0].metadata["origin"], "checkout");
  EXPECT_EQ(landed[0].metadata["x-first-death-reason"], "rejected");
  EXPECT_EQ(landed[0].metadata["x-first-death-queue"], prefix + "orders:default");
  EXPECT_FALSE((*dead)->ack(landed[0]));
  // Not requeued: the group's queue is empty.
  auto none = (*s)->fetch(10, 300ms);
  ASSERT_TRUE(none) << describe(none.error());
  EXPECT_TRUE(none->empty());
}

TEST(amqp_broker, a_message_herald_gives_up_on_after_max_deliveries_lands_in_the_dead_letter_exchange) {
  ARMADA_AMQP_OR_SKIP(url);
  auto prefix = fresh_prefix();
  auto with_dlx = url + "?prefix=" + prefix + "&dead-letter-exchange=" + prefix + "orders.rejected";
  auto d = herald::amqp::make_driver(with_dlx);
  ASSERT_TRUE(d) << describe(d.error());
  auto dead = (*d)->subscribe("orders.rejected", {.group = "audit"});
  ASSERT_TRUE(dead) << describe(dead.error());
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = herald::amqp::connect(rt->system(), with_dlx);
  ASSERT_TRUE(conn) << describe(conn.error());
  std::atomic<int> attempts{0};
  auto sub = herald::subscribe(*conn, "orders", [&](const herald::message&) {
    ++attempts;
    throw std::runtime_error("cannot handle this one");
  }, {.max_deliveries = 2, .redelivery_base = 10ms});
  ASSERT_TRUE(sub) << describe(sub.error());
  auto sent = msg("poison");
  ASSERT_TRUE(conn->publish(sent, 10s));
  auto landed = fetch_n(**dead, 1, 30s);
  ASSERT_EQ(landed.size(), 1u);
  EXPECT_EQ(landed[0].payload, "poison");
  EXPECT_EQ(landed[0].id, sent.id);
  EXPECT_EQ(landed[0].metadata["x-first-death-reason"], "rejected");
  EXPECT_EQ(attempts, 2);
  sub->close();
  conn->close();
}

TEST(amqp_broker, a_group_queue_made_without_the_dead_letter_exchange_is_a_406_naming_the_fix) {
  ARMADA_AMQP_OR_SKIP(url);
  auto prefix = fresh_prefix();
  auto plain = herald::amqp::make_driver(url + "?prefix=" + prefix);
  ASSERT_TRUE(plain) << describe(plain.error());
  ASSERT_TRUE((*plain)->subscribe("orders", {})); // the queue exists without x-dead-letter-exchange
  auto d = herald::amqp::make_driver(url + "?prefix=" + prefix + "&dead-letter-exchange=" + prefix + "parked");
  ASSERT_TRUE(d) << describe(d.error());
  auto s = (*d)->subscribe("orders", {});
  ASSERT_FALSE(s);
  auto e = describe(s.error());
  EXPECT_NE(e.find("406"), std::string::npos) << e;
  EXPECT_NE(e.find("x-dead-letter-exchange"), std::string::npos) << e;
  EXPECT_NE(e.find("delete it"), std::string::npos) << e;
}
