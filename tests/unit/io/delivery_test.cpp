// Delivery on one stream: topic routing, local ack / nack / redelivery, the backlog, close.

#include <future>
#include <set>

#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/runtime.hpp"
#include "support.hpp"

using namespace armada;
using namespace armada::io_test;
using herald::errc;
using herald::io::format;

TEST(io_delivery, a_subscription_gets_only_its_topic_and_other_topics_wait_for_their_subscriber) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  auto a = subscribe(*d, "a");
  for (auto* t : {"a", "b", "a", "b", "a"})
    ASSERT_TRUE(d->publish(make_message(t, t)));
  auto got_a = fetch_until(*a, 3);
  ASSERT_EQ(got_a.messages.size(), 3u);
  for (auto& m : got_a.messages)
    EXPECT_EQ(m.topic, "a");
  EXPECT_TRUE(a->fetch(10, 50ms)->empty()); // nothing of b leaks in
  auto b = subscribe(*d, "b");
  auto got_b = fetch_until(*b, 2);
  ASSERT_EQ(got_b.messages.size(), 2u);
  for (auto& m : got_b.messages)
    EXPECT_EQ(m.payload, "b");
}

TEST(io_delivery, a_nacked_message_comes_back_after_its_delay_with_the_next_attempt) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  auto s = subscribe(*d, "t");
  ASSERT_TRUE(d->publish(make_message("t", "again")));
  auto first = fetch_until(*s, 1);
  ASSERT_EQ(first.messages.size(), 1u);
  auto nacked_at = std::chrono::steady_clock::now();
  ASSERT_FALSE(s->nack(first.messages[0], 300ms));
  auto early = s->fetch(1, 50ms); // asserting an absence needs a window
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->empty());
  auto second = fetch_until(*s, 1);
  ASSERT_EQ(second.messages.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - nacked_at, 300ms);
  EXPECT_EQ(second.messages[0].id, first.messages[0].id);
  EXPECT_EQ(second.messages[0].attempt, 2u);
}

TEST(io_delivery, closing_a_subscription_hands_its_unacked_messages_to_the_next_one) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  for (auto* x : {"acked", "held"})
    ASSERT_TRUE(d->publish(make_message("t", x)));
  {
    auto s = subscribe(*d, "t");
    auto got = fetch_until(*s, 2);
    ASSERT_EQ(got.messages.size(), 2u);
    ASSERT_FALSE(s->ack(got.messages[0]));
    s->close();
    s->close(); // idempotent
  }
  auto next = subscribe(*d, "t");
  auto got = fetch_until(*next, 1);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0].payload, "held");
  EXPECT_EQ(got.messages[0].attempt, 2u);
  EXPECT_TRUE(next->fetch(10, 50ms)->empty()); // the acked one is gone
}

TEST(io_delivery, subscriptions_to_one_topic_share_its_messages_without_duplicates) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  auto s1 = subscribe(*d, "t");
  auto s2 = subscribe(*d, "t");
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(d->publish(make_message("t", std::to_string(i))));
  auto a = fetch_until(*s1, 7);
  auto b = fetch_until(*s2, 13);
  std::set<std::string> all;
  for (auto* got : {&a, &b})
    for (auto& m : got->messages)
      EXPECT_TRUE(all.insert(m.payload).second) << m.payload << " delivered twice";
  EXPECT_EQ(all.size(), 20u);
}

TEST(io_delivery, a_full_backlog_drops_the_oldest_messages_of_topics_nobody_subscribes_to) {
  pipe_ends p;
  auto o = herald::io::options{};
  o.backlog = 2;
  auto d = driver_on(p.read, p.write, o);
  auto a = subscribe(*d, "a");
  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE(d->publish(make_message("x", "x" + std::to_string(i))));
  ASSERT_TRUE(d->publish(make_message("a", "a1")));
  auto got_a = fetch_until(*a, 1);
  ASSERT_EQ(got_a.messages.size(), 1u);
  EXPECT_EQ(got_a.messages[0].payload, "a1");
  auto x = subscribe(*d, "x"); // the backlog of 2 held x5 and a1: x1..x4 made room
  auto got_x = fetch_until(*x, 1);
  ASSERT_EQ(got_x.messages.size(), 1u);
  EXPECT_EQ(got_x.messages[0].payload, "x5");
  EXPECT_TRUE(x->fetch(10, 50ms)->empty());
}

TEST(io_delivery, a_backlog_full_of_a_subscribed_topic_pauses_reading_until_its_subscriber_takes) {
  pipe_ends p;
  auto o = herald::io::options{};
  o.backlog = 2;
  auto d = driver_on(p.read, p.write, o);
  auto a = subscribe(*d, "a");
  auto b = subscribe(*d, "b");
  for (auto* t : {"b", "b", "b", "a"})
    ASSERT_TRUE(d->publish(make_message(t, t)));
  EXPECT_TRUE(a->fetch(1, 100ms)->empty()); // one stream: a waits behind b's backlog
  ASSERT_EQ(fetch_until(*b, 2).messages.size(), 2u);
  auto got = fetch_until(*a, 1);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0].payload, "a");
}

TEST(io_delivery, close_wakes_a_fetch_blocked_on_an_idle_stream) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  auto s = subscribe(*d, "t");
  auto blocked = std::async(std::launch::async, [&] { return s->fetch(1, 60s); });
  ASSERT_EQ(blocked.wait_for(100ms), std::future_status::timeout); // it really waits
  d->close();
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  auto r = blocked.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(herald::code_of(r.error()), errc::closed);
}

TEST(io_delivery, close_is_idempotent_and_safe_from_several_threads) {
  pipe_ends p;
  auto d = driver_on(p.read, p.write);
  std::vector<std::future<void>> closers;
  for (int i = 0; i < 4; ++i)
    closers.push_back(std::async(std::launch::async, [&] { d->close(); }));
  for (auto& c : closers)
    ASSERT_EQ(c.wait_for(10s), std::future_status::ready);
  auto r = d->publish(make_message("t", "late"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(mentions(r.error(), "closed")) << describe(r.error());
}

class io_connection : public ::testing::TestWithParam<format> {};

TEST_P(io_connection, a_herald_subscriber_receives_binary_payloads_and_redelivers_after_a_failure) {
  auto rt = runtime::start(std::make_unique<config>());
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto o = with_format(GetParam(), "owned pipe");
  o.owns_fds = true;
  auto conn = herald::io::connect_fds(rt->system(), fds[0], fds[1], o);
  ASSERT_TRUE(conn) << describe(conn.error());
  EXPECT_EQ(conn->provider(), "io");
  EXPECT_FALSE(conn->features().consumer_groups);
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<herald::message> got;
  std::atomic<int> calls{0};
  auto sub = herald::subscribe(*conn, "events",
                               [&](const herald::message& m) {
                                 if (++calls == 1)
                                   throw std::runtime_error("first delivery fails");
                                 std::lock_guard g{mtx};
                                 got.push_back(m);
                                 cv.notify_all();
                               },
                               {.redelivery_base = 10ms});
  ASSERT_TRUE(sub) << describe(sub.error());
  auto m = make_message("events", std::string{"\0\xff\n binary", 10}, "k");
  m.metadata["content-type"] = "application/octet-stream";
  ASSERT_TRUE(conn->publish(m));
  std::unique_lock lock{mtx};
  ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return !got.empty(); }));
  EXPECT_EQ(got[0].payload, m.payload);
  EXPECT_EQ(got[0].meta("content-type"), "application/octet-stream");
  EXPECT_EQ(got[0].attempt, 2u);
  lock.unlock();
  sub->close();
  conn->close();
}

INSTANTIATE_TEST_SUITE_P(formats, io_connection, ::testing::Values(format::frames, format::ndjson),
                         [](const auto& info) {
                           return info.param == format::frames ? "frames" : "ndjson";
                         });
