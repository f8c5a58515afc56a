// The embedded broker through its driver: durability across reopening, consumer groups shared
// by several connections, leases, nack delays, retention, damaged records.

#include <future>
#include <set>
#include <thread>

#include <lmdb.h>

#include <gtest/gtest.h>

#include "armada/herald/embedded.hpp"
#include "armada/runtime/error.hpp"
#include "scratch_dir.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_embedded::scratch_dir;
using clk = std::chrono::steady_clock;

namespace {

std::shared_ptr<herald::driver> open(const std::string& url) {
  auto drv = herald::embedded::make_driver(url);
  EXPECT_TRUE(drv) << describe(drv.error());
  return drv ? *drv : nullptr;
}

herald::message msg(const std::string& topic, std::string payload, std::string key = {}) {
  herald::message m;
  m.id = uuid::random().to_string();
  m.topic = topic;
  m.payload = std::move(payload);
  m.key = std::move(key);
  return m;
}

std::vector<herald::message> publish_n(herald::driver& drv, const std::string& topic, int n, int from = 0) {
  std::vector<herald::message> sent;
  for (int i = from; i < from + n; ++i) {
    sent.push_back(msg(topic, std::to_string(i)));
    auto r = drv.publish(sent.back());
    EXPECT_TRUE(r) << describe(r.error());
  }
  return sent;
}

std::unique_ptr<herald::subscription_driver> subscribe(herald::driver& drv, const std::string& topic,
                                                       const std::string& group = "default") {
  herald::subscribe_options opts;
  opts.group = group;
  auto s = drv.subscribe(topic, opts);
  EXPECT_TRUE(s) << describe(s.error());
  return s ? std::move(*s) : nullptr;
}

/// Fetches until `n` messages arrived or `timeout` passed.
std::vector<herald::message> fetch_n(herald::subscription_driver& sub, std::size_t n,
                                     std::chrono::milliseconds timeout = 5s) {
  std::vector<herald::message> got;
  auto deadline = clk::now() + timeout;
  while (got.size() < n && clk::now() < deadline) {
    auto batch = sub.fetch(n - got.size(), 50ms);
    EXPECT_TRUE(batch) << describe(batch.error());
    if (!batch)
      break;
    for (auto& m : *batch)
      got.push_back(std::move(m));
  }
  return got;
}

/// Everything a group can take right now (a fresh subscription, acking as it goes).
std::vector<std::string> drain(herald::driver& drv, const std::string& topic, const std::string& group) {
  auto sub = subscribe(drv, topic, group);
  std::vector<std::string> payloads;
  for (;;) {
    auto batch = sub->fetch(100, 0ms);
    EXPECT_TRUE(batch);
    if (!batch || batch->empty())
      return payloads;
    for (auto& m : *batch) {
      payloads.push_back(m.payload);
      EXPECT_FALSE(sub->ack(m));
    }
  }
}

std::vector<std::string> payloads_of(const std::vector<herald::message>& ms) {
  std::vector<std::string> out;
  for (auto& m : ms)
    out.push_back(m.payload);
  return out;
}

} // namespace

TEST(embedded_store, messages_survive_closing_and_reopening_the_file_with_everything_they_carry) {
  scratch_dir dir;
  auto sent = msg("orders", std::string{"\0\x01\xff binary\n", 11}, "key-7");
  sent.metadata["content-type"] = "application/octet-stream";
  sent.metadata["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  sent.published = std::chrono::system_clock::now() - 1h;
  {
    auto drv = open(dir.url());
    ASSERT_TRUE(drv->publish(sent));
    drv->close();
    drv->close(); // idempotent
  }
  auto drv = open(dir.url());
  auto sub = subscribe(*drv, "orders");
  auto got = fetch_n(*sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, sent.id);
  EXPECT_EQ(got[0].payload, sent.payload);
  EXPECT_EQ(got[0].key, "key-7");
  EXPECT_EQ(got[0].metadata, sent.metadata);
  EXPECT_EQ(got[0].published, sent.published);
  EXPECT_EQ(got[0].topic, "orders");
  EXPECT_EQ(got[0].attempt, 1u);
  EXPECT_EQ(got[0].broker, "orders:0");
}

TEST(embedded_store, acked_messages_stay_done_after_reopening_and_unacked_ones_come_back) {
  scratch_dir dir;
  {
    auto drv = open(dir.url());
    publish_n(*drv, "jobs", 4);
    auto sub = subscribe(*drv, "jobs");
    auto got = fetch_n(*sub, 4);
    ASSERT_EQ(got.size(), 4u);
    ASSERT_FALSE(sub->ack_batch({got[0], got[1]}));
  } // the subscription closes with two unacked messages
  auto drv = open(dir.url());
  auto sub = subscribe(*drv, "jobs");
  auto got = fetch_n(*sub, 2);
  ASSERT_EQ(payloads_of(got), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(got[0].attempt, 2u);
  EXPECT_TRUE(sub->fetch(10, 0ms)->empty());
}

TEST(embedded_store, two_connections_on_one_file_share_the_messages_of_a_group) {
  scratch_dir dir;
  auto first = open(dir.url());
  auto second = open(dir.url());
  auto a = subscribe(*first, "work", "workers");
  auto b = subscribe(*second, "work", "workers");
  publish_n(*first, "work", 10);
  std::multiset<std::string> seen;
  std::size_t from_a = 0, from_b = 0;
  auto deadline = clk::now() + 5s;
  while (seen.size() < 10 && clk::now() < deadline) {
    for (auto* s : {a.get(), b.get()}) {
      auto batch = s->fetch(3, 10ms);
      ASSERT_TRUE(batch);
      for (auto& m : *batch) {
        seen.insert(m.payload);
        (s == a.get() ? from_a : from_b) += 1;
        ASSERT_FALSE(s->ack(m));
      }
    }
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 10u); // nobody got one twice
  EXPECT_GT(from_a, 0u);
  EXPECT_GT(from_b, 0u);
}

TEST(embedded_store, each_group_reads_the_whole_log_from_the_start_in_order) {
  scratch_dir dir;
  auto drv = open(dir.url());
  publish_n(*drv, "events", 5);
  EXPECT_EQ(drain(*drv, "events", "billing"), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(drain(*drv, "events", "shipping"), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_TRUE(drain(*drv, "events", "billing").empty());
}

TEST(embedded_store, a_publish_batch_keeps_its_order_across_topics_and_returns_positions) {
  scratch_dir dir;
  auto drv = open(dir.url());
  std::vector<herald::message> batch;
  for (int i = 0; i < 1000; ++i)
    batch.push_back(msg(i % 2 ? "odd" : "even", std::to_string(i)));
  auto receipts = drv->publish_batch(batch);
  ASSERT_TRUE(receipts) << describe(receipts.error());
  ASSERT_EQ(receipts->size(), 1000u);
  EXPECT_EQ((*receipts)[0].id, batch[0].id);
  EXPECT_EQ((*receipts)[0].broker, "even:0");
  EXPECT_EQ((*receipts)[999].broker, "odd:499");
  auto odd = drain(*drv, "odd", "g");
  ASSERT_EQ(odd.size(), 500u);
  for (int i = 0; i < 500; ++i)
    EXPECT_EQ(odd[i], std::to_string(2 * i + 1));
}

TEST(embedded_store, an_expired_lease_gives_the_message_to_another_subscriber_of_the_group) {
  scratch_dir dir;
  auto drv = open(dir.url("herald.mdb", "lease=300"));
  auto crashed = subscribe(*drv, "tasks");
  auto healthy = subscribe(*drv, "tasks");
  auto sent = publish_n(*drv, "tasks", 1);
  ASSERT_EQ(fetch_n(*crashed, 1).size(), 1u); // taken, never acked
  auto start = clk::now();
  auto got = fetch_n(*healthy, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GE(clk::now() - start, 200ms); // not before the lease ran out
  EXPECT_EQ(got[0].id, sent[0].id);
  EXPECT_EQ(got[0].attempt, 2u);
  EXPECT_FALSE(healthy->ack(got[0]));
  EXPECT_FALSE(crashed->nack(got[0], 0ms)); // the old holder lost it: its nack changes nothing
  EXPECT_TRUE(healthy->fetch(1, 400ms)->empty());
}

TEST(embedded_store, a_nacked_message_comes_back_after_its_delay_and_not_before) {
  scratch_dir dir;
  auto drv = open(dir.url());
  auto sub = subscribe(*drv, "retry");
  auto sent = publish_n(*drv, "retry", 1);
  auto got = fetch_n(*sub, 1);
  ASSERT_EQ(got.size(), 1u);
  auto nacked = clk::now();
  ASSERT_FALSE(sub->nack(got[0], 300ms));
  auto again = fetch_n(*sub, 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_GE(clk::now() - nacked, 250ms);
  EXPECT_EQ(again[0].id, sent[0].id);
  EXPECT_EQ(again[0].attempt, 2u);
}

TEST(embedded_store, closing_a_subscription_returns_its_unacked_messages_at_once) {
  scratch_dir dir;
  auto drv = open(dir.url()); // lease 30 s: only the close can make them visible this soon
  publish_n(*drv, "cancel", 3);
  auto first = subscribe(*drv, "cancel");
  ASSERT_EQ(fetch_n(*first, 2).size(), 2u);
  first->close();
  first->close();
  EXPECT_FALSE(first->fetch(1, 0ms)); // a closed subscription fetches nothing
  auto second = subscribe(*drv, "cancel");
  auto got = fetch_n(*second, 3, 2s);
  EXPECT_EQ(payloads_of(got), (std::vector<std::string>{"0", "1", "2"}));
}

TEST(embedded_store, retention_trims_only_messages_every_group_has_acked) {
  scratch_dir dir;
  auto drv = open(dir.url("herald.mdb", "retention=3"));
  auto sub = subscribe(*drv, "log", "reader");
  publish_n(*drv, "log", 6);
  auto got = fetch_n(*sub, 6);
  ASSERT_EQ(got.size(), 6u);
  ASSERT_FALSE(sub->ack_batch({got[0], got[1]})); // 2..5 stay in flight
  publish_n(*drv, "log", 1, 6);                      // publishing trims
  EXPECT_EQ(drain(*drv, "log", "late"), (std::vector<std::string>{"2", "3", "4", "5", "6"}));
  ASSERT_FALSE(sub->ack_batch({got[2], got[3], got[4], got[5]}));
  auto last = fetch_n(*sub, 1);
  ASSERT_EQ(last.size(), 1u);
  ASSERT_FALSE(sub->ack(last[0]));
  publish_n(*drv, "log", 1, 7);
  EXPECT_EQ(drain(*drv, "log", "later"), (std::vector<std::string>{"5", "6", "7"}));
}

TEST(embedded_store, retention_age_trims_old_acked_messages_and_keeps_young_ones) {
  scratch_dir dir;
  auto drv = open(dir.url("herald.mdb", "retention=1000000&retention-age=60000"));
  auto sub = subscribe(*drv, "audit", "reader");
  for (int i = 0; i < 4; ++i) {
    auto m = msg("audit", std::to_string(i));
    if (i < 2)
      m.published = std::chrono::system_clock::now() - 2h;
    ASSERT_TRUE(drv->publish(m));
  }
  auto got = fetch_n(*sub, 4);
  ASSERT_EQ(got.size(), 4u);
  ASSERT_FALSE(sub->ack_batch(got));
  publish_n(*drv, "audit", 1, 4);
  EXPECT_EQ(drain(*drv, "audit", "late"), (std::vector<std::string>{"2", "3", "4"}));
}

TEST(embedded_store, a_damaged_record_reaches_the_subscriber_marked_undecodable) {
  scratch_dir dir;
  {
    auto drv = open(dir.url());
    publish_n(*drv, "fragile", 2);
  }
  { // overwrite the first log record behind the provider's back
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    ASSERT_EQ(mdb_env_open(env, (dir.path() / "herald.mdb").c_str(), MDB_NOSUBDIR, 0644), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi log;
    ASSERT_EQ(mdb_dbi_open(txn, "herald.log", 0, &log), 0);
    MDB_cursor* cur = nullptr;
    ASSERT_EQ(mdb_cursor_open(txn, log, &cur), 0);
    MDB_val k, v;
    ASSERT_EQ(mdb_cursor_get(cur, &k, &v, MDB_FIRST), 0);
    std::string garbage = "\xff\xfe not an envelope";
    MDB_val g{garbage.size(), garbage.data()};
    ASSERT_EQ(mdb_cursor_put(cur, &k, &g, MDB_CURRENT), 0);
    mdb_cursor_close(cur);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  auto drv = open(dir.url());
  auto sub = subscribe(*drv, "fragile");
  auto got = fetch_n(*sub, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, "\xff\xfe not an envelope");
  EXPECT_EQ(got[0].meta("content-type"), "application/x-armada-undecodable");
  EXPECT_FALSE(got[0].meta("embedded-decode-error").empty());
  EXPECT_FALSE(got[0].id.empty());
  EXPECT_EQ(got[1].payload, "1"); // the stream goes on
  EXPECT_FALSE(sub->ack_batch(got));
}

TEST(embedded_store, a_waiting_fetch_wakes_as_soon_as_this_process_publishes) {
  scratch_dir dir;
  auto drv = open(dir.url("herald.mdb", "poll=60000")); // a poll would take a minute
  auto sub = subscribe(*drv, "wake");
  auto start = clk::now();
  auto waiting = std::async(std::launch::async, [&] { return sub->fetch(1, 30s); });
  publish_n(*drv, "wake", 1);
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  auto got = waiting.get();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 1u);
  EXPECT_LT(clk::now() - start, 10s);
}

TEST(embedded_store, closing_a_subscription_ends_its_waiting_fetch) {
  scratch_dir dir;
  auto drv = open(dir.url("herald.mdb", "poll=60000"));
  auto sub = subscribe(*drv, "idle");
  auto waiting = std::async(std::launch::async, [&] { return sub->fetch(1, 60s); });
  sub->close();
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  auto r = waiting.get(); // empty if it was waiting, a closed error if the close came first
  EXPECT_TRUE(!r || r->empty());
}

TEST(embedded_store, a_closed_connection_refuses_work_with_a_closed_error_and_ping_is_a_round_trip) {
  scratch_dir dir;
  auto drv = open(dir.url());
  auto p = drv->ping();
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_GT(p->count(), 0);
  std::vector<std::thread> closers;
  for (int i = 0; i < 4; ++i)
    closers.emplace_back([&] { drv->close(); });
  for (auto& t : closers)
    t.join();
  auto r = drv->publish(msg("t", "x"));
  ASSERT_FALSE(r);
  EXPECT_NE(describe(r.error()).find("closed"), std::string::npos) << describe(r.error());
  EXPECT_FALSE(drv->ping());
  EXPECT_FALSE(drv->subscribe("t", {}));
}

TEST(embedded_store, an_empty_or_oversized_topic_name_is_refused) {
  scratch_dir dir;
  auto drv = open(dir.url());
  EXPECT_FALSE(drv->publish(msg("", "x")));
  auto r = drv->publish(msg(std::string(1000, 't'), "x"));
  ASSERT_FALSE(r);
  EXPECT_NE(describe(r.error()).find("at most"), std::string::npos) << describe(r.error());
}
