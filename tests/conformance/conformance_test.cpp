// The conformance suite: one parameterised GoogleTest suite every provider runs with its
// features. A feature a provider lacks is skipped with the reason, never faked.

#include <atomic>
#include <future>
#include <set>
#include <shared_mutex>
#include <thread>

#include <gtest/gtest.h>

#include "armada/herald.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing.hpp"
#include "collector.hpp"
#include "provider_under_test.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::conformance::collector;
using armada::conformance::provider_under_test;

namespace armada::conformance {
inline void PrintTo(const provider_under_test& p, std::ostream* os) {
  *os << p.name;
}
} // namespace armada::conformance

namespace {

// Handlers reach a test's locals by reference. When an ASSERT fails, the test body returns and
// those locals die while the subscriptions (closed in TearDown) may still deliver. The gate
// closes on the first fatal failure of the test thread — before the body returns — and waits
// (bounded: a handler may be parked on something the test was about to release) for the
// handlers running; later deliveries are nacked instead of touching freed locals.
struct handler_gate {
  std::shared_timed_mutex mtx;
  std::atomic<bool> open{true};
  std::thread::id owner = std::this_thread::get_id();

  void close() {
    std::unique_lock lock{mtx, std::defer_lock};
    (void)lock.try_lock_for(std::chrono::seconds{10});
    open = false;
  }
};

std::shared_ptr<handler_gate> current_gate;

class close_gate_on_fatal_failure : public ::testing::EmptyTestEventListener {
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (r.fatally_failed() && current_gate && current_gate->owner == std::this_thread::get_id())
      current_gate->close();
  }
};

class herald_conformance : public ::testing::TestWithParam<provider_under_test> {
protected:
  void SetUp() override {
    static bool listening = [] {
      ::testing::UnitTest::GetInstance()->listeners().Append(new close_gate_on_fatal_failure);
      return true;
    }();
    (void)listening;
    gate_ = current_gate = std::make_shared<handler_gate>();
    if (auto why = GetParam().unavailable(); !why.empty())
      GTEST_SKIP() << why;
    rt_ = runtime::start(std::make_unique<config>());
    scope_ = "t" + uuid::random().to_string().substr(0, 8);
    auto c = GetParam().connect(rt_->system(), scope_);
    ASSERT_TRUE(c) << describe(c.error());
    conn_ = *c;
  }

  void TearDown() override {
    // The body's locals are gone: a late delivery (a duplicate, a redelivery) must not reach
    // them while the subscriptions close, which can take seconds.
    gate_->close();
    for (auto& s : subs_)
      s.close();
    if (conn_.valid())
      conn_.close();
    current_gate.reset();
  }

  std::string topic(const std::string& name) { return scope_ + "." + name; }

  herald::message msg(std::string payload, std::string key = {}) {
    herald::message m;
    m.id = uuid::random().to_string();
    m.payload = std::move(payload);
    m.key = std::move(key);
    return m;
  }

  herald::message publish(const std::string& t, std::string payload, std::string key = {}) {
    auto m = msg(std::move(payload), std::move(key));
    m.topic = t;
    auto r = conn_.publish(m);
    EXPECT_TRUE(r) << describe(r.error());
    return m;
  }

  herald::subscription subscribe(const std::string& t, std::function<void(const herald::message&)> fn,
                                 herald::subscriber_options opts = {}) {
    opts.redelivery_base = 10ms;
    auto gated = [gate = gate_, fn = std::move(fn)](const herald::message& m) {
      std::shared_lock lock{gate->mtx};
      if (!gate->open)
        throw std::runtime_error("the test has ended or failed; its handler no longer runs");
      fn(m);
    };
    auto s = herald::subscribe(conn_, t, std::move(gated), opts);
    EXPECT_TRUE(s) << describe(s.error());
    subs_.push_back(*s);
    return *s;
  }

  herald::subscription subscribe_async(const std::string& t, herald::async_handler fn,
                                       herald::subscriber_options opts = {}) {
    opts.redelivery_base = 10ms;
    auto gated = [gate = gate_, fn = std::move(fn)](const herald::message& m, herald::completion done) {
      std::shared_lock lock{gate->mtx};
      if (!gate->open)
        return done(caf::make_error(caf::sec::runtime_error, "the test has ended or failed; its handler no longer runs"));
      fn(m, std::move(done));
    };
    auto s = herald::subscribe(conn_, t, std::move(gated), opts);
    EXPECT_TRUE(s) << describe(s.error());
    subs_.push_back(*s);
    return *s;
  }

  bool has(bool herald::features::*f) const { return GetParam().features.*f; }

  std::shared_ptr<handler_gate> gate_;
  std::unique_ptr<runtime> rt_;
  std::string scope_;
  herald::connection conn_;
  std::vector<herald::subscription> subs_;
};

std::set<std::string> payloads(const std::vector<herald::message>& ms) {
  std::set<std::string> out;
  for (auto& m : ms)
    out.insert(m.payload);
  return out;
}

} // namespace

TEST_P(herald_conformance, a_published_message_arrives_with_its_binary_payload_metadata_id_and_key) {
  collector got;
  subscribe(topic("roundtrip"), [&](const herald::message& m) { got.add(m); });
  auto m = msg(std::string{"\0\x01\xff binary\n", 11}, "key-1");
  m.topic = topic("roundtrip");
  m.metadata["content-type"] = "application/octet-stream";
  m.metadata["x-custom"] = "value with spaces";
  ASSERT_TRUE(conn_.publish(m));
  ASSERT_TRUE(got.wait_for(1));
  auto r = got.messages()[0];
  EXPECT_EQ(r.payload, m.payload);
  EXPECT_EQ(r.id, m.id);
  EXPECT_EQ(r.key, "key-1");
  EXPECT_EQ(r.meta("x-custom"), "value with spaces");
  EXPECT_EQ(r.meta("content-type"), "application/octet-stream");
  EXPECT_EQ(r.attempt, 1u);
  EXPECT_FALSE(r.broker.empty());
}

TEST_P(herald_conformance, many_concurrent_publishers_and_competing_subscribers_lose_nothing) {
  if (!has(&herald::features::consumer_groups))
    GTEST_SKIP() << GetParam().name << " has no consumer groups";
  collector got;
  for (int i = 0; i < 3; ++i)
    subscribe(topic("many"), [&](const herald::message& m) { got.add(m); });
  std::vector<std::future<void>> pubs;
  for (int p = 0; p < 4; ++p)
    pubs.push_back(std::async(std::launch::async, [&, p] {
      for (int i = 0; i < 250; ++i)
        publish(topic("many"), std::to_string(p) + ":" + std::to_string(i));
    }));
  for (auto& f : pubs)
    f.get();
  // Emulated brokers (moto's SNS → SQS fan-out) take ~12 s for this alone and more on a busy CI
  // machine; the wait ends as soon as everything arrived.
  ASSERT_TRUE(got.wait_for_distinct(1000, 120s))
    << payloads(got.messages()).size() << " of 1000 arrived (" << got.size() << " deliveries)";
}

TEST_P(herald_conformance, one_process_consumes_many_topics_and_topics_stay_isolated) {
  std::vector<collector> got(5);
  for (int t = 0; t < 5; ++t)
    subscribe(topic("iso" + std::to_string(t)), [&got, t](const herald::message& m) { got[t].add(m); });
  for (int t = 0; t < 5; ++t)
    for (int i = 0; i < 20; ++i)
      publish(topic("iso" + std::to_string(t)), std::to_string(t) + "/" + std::to_string(i));
  for (int t = 0; t < 5; ++t) {
    ASSERT_TRUE(got[t].wait_for(20));
    for (auto& m : got[t].messages())
      EXPECT_EQ(m.payload.substr(0, m.payload.find('/')), std::to_string(t));
  }
  for (int t = 0; t < 5; ++t)
    EXPECT_EQ(got[t].size(), 20u); // nothing from the other topics
}

TEST_P(herald_conformance, a_nacked_message_is_redelivered_with_a_higher_attempt) {
  collector got;
  std::atomic<int> calls{0};
  subscribe(topic("nack"), [&](const herald::message& m) {
    if (++calls == 1)
      throw std::runtime_error("first delivery fails");
    got.add(m);
  });
  auto sent = publish(topic("nack"), "retry me");
  ASSERT_TRUE(got.wait_for(1));
  auto m = got.messages()[0];
  EXPECT_EQ(m.id, sent.id);
  EXPECT_EQ(m.attempt, 2u);
}

TEST_P(herald_conformance, delivery_continues_after_many_nacks) {
  collector got;
  std::mutex mtx;
  std::map<std::string, int> failures;
  subscribe(topic("many_nacks"), [&](const herald::message& m) {
    {
      std::lock_guard g{mtx};
      if (failures[m.payload]++ < 3)
        throw std::runtime_error("not yet");
    }
    got.add(m);
  }, {.max_deliveries = 10});
  for (int i = 0; i < 20; ++i)
    publish(topic("many_nacks"), "m" + std::to_string(i));
  // Distinct payloads: a nacked message may come twice (at-least-once; JetStream redelivered
  // one nacked with a delay twice in CI), and counting deliveries would stop one short.
  ASSERT_TRUE(got.wait_for_distinct(20, std::chrono::seconds{20}))
    << payloads(got.messages()).size() << " of 20 handled";
}

TEST_P(herald_conformance, with_prefetch_one_no_second_message_arrives_before_the_first_is_acked) {
  if (!has(&herald::features::guaranteed_order))
    GTEST_SKIP() << GetParam().name << " does not guarantee order";
  std::mutex mtx;
  std::vector<herald::completion> held;
  std::vector<std::string> order;
  std::condition_variable cv;
  subscribe_async(topic("prefetch"), [&](const herald::message& m, herald::completion done) {
    std::lock_guard g{mtx};
    order.push_back(m.payload);
    held.push_back(std::move(done));
    cv.notify_all();
  }, {.prefetch = 1});
  for (int i = 0; i < 3; ++i)
    publish(topic("prefetch"), std::to_string(i));
  for (std::size_t n = 1; n <= 3; ++n) {
    std::unique_lock lock{mtx};
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return order.size() >= n; }));
    // Asserting an absence needs a window: nothing else may arrive while this one is unacked.
    EXPECT_FALSE(cv.wait_for(lock, 150ms, [&] { return order.size() > n; }));
    auto done = held.back();
    lock.unlock();
    done(caf::none);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_P(herald_conformance, messages_of_one_key_arrive_in_publish_order) {
  if (!has(&herald::features::guaranteed_order))
    GTEST_SKIP() << GetParam().name << " does not guarantee order";
  collector got;
  subscribe(topic("order"), [&](const herald::message& m) { got.add(m); });
  for (int i = 0; i < 200; ++i)
    publish(topic("order"), std::to_string(i), i % 2 ? "odd" : "even");
  ASSERT_TRUE(got.wait_for(200));
  std::map<std::string, int> last{{"odd", -1}, {"even", -1}};
  for (auto& m : got.messages()) {
    auto n = std::stoi(m.payload);
    EXPECT_GT(n, last[m.key]) << "key " << m.key;
    last[m.key] = n;
  }
}

TEST_P(herald_conformance, nothing_is_lost_across_a_subscriber_close_and_restart) {
  if (!has(&herald::features::retains_messages))
    GTEST_SKIP() << GetParam().name << " does not keep messages nobody holds (no broker-side storage)";
  collector first, second;
  std::atomic<bool> hold{true};
  std::vector<herald::completion> parked;
  std::mutex mtx;
  auto s = subscribe_async(topic("restart"), [&](const herald::message& m, herald::completion done) {
    first.add(m);
    std::lock_guard g{mtx};
    parked.push_back(std::move(done)); // never acked: the subscriber "crashes" holding them
  }, {.prefetch = 5});
  for (int i = 0; i < 20; ++i)
    publish(topic("restart"), std::to_string(i));
  ASSERT_TRUE(first.wait_for(5));
  s.close();
  subscribe(topic("restart"), [&](const herald::message& m) { second.add(m); });
  ASSERT_TRUE(second.wait_for(20));
  EXPECT_EQ(payloads(second.messages()).size(), 20u); // the 5 unacked ones came back too
}

TEST_P(herald_conformance, closing_a_subscription_ends_delivery_and_redelivers_in_flight_messages) {
  if (!has(&herald::features::retains_messages))
    GTEST_SKIP() << GetParam().name << " does not keep messages nobody holds (no broker-side storage)";
  collector got;
  auto s = subscribe_async(topic("cancel"), [&](const herald::message& m, herald::completion) { got.add(m); },
                           {.prefetch = 2});
  publish(topic("cancel"), "a");
  publish(topic("cancel"), "b");
  ASSERT_TRUE(got.wait_for(2));
  s.close();
  publish(topic("cancel"), "c");
  collector after;
  subscribe(topic("cancel"), [&](const herald::message& m) { after.add(m); });
  ASSERT_TRUE(after.wait_for(3));
  EXPECT_EQ(payloads(after.messages()), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(got.size(), 2u); // the closed subscription saw nothing more
}

TEST_P(herald_conformance, concurrent_subscribe_and_close_neither_deadlock_nor_lose_messages) {
  if (!has(&herald::features::retains_messages))
    GTEST_SKIP() << GetParam().name << " does not keep messages nobody holds (no broker-side storage)";
  std::vector<std::future<void>> workers;
  for (int w = 0; w < 4; ++w)
    workers.push_back(std::async(std::launch::async, [&] {
      for (int i = 0; i < 5; ++i) {
        auto s = herald::subscribe(conn_, topic("churn"), [](const herald::message&) {});
        ASSERT_TRUE(s);
        s->close();
        s->close(); // idempotent
      }
    }));
  for (auto& w : workers)
    ASSERT_EQ(w.wait_for(60s), std::future_status::ready);
  collector got;
  publish(topic("churn"), "survivor");
  subscribe(topic("churn"), [&](const herald::message& m) { got.add(m); });
  ASSERT_TRUE(got.wait_for(1));
}

TEST_P(herald_conformance, each_consumer_group_gets_every_message) {
  if (!has(&herald::features::consumer_groups))
    GTEST_SKIP() << GetParam().name << " has no consumer groups";
  collector a, b;
  subscribe(topic("groups"), [&](const herald::message& m) { a.add(m); }, {.group = "billing"});
  subscribe(topic("groups"), [&](const herald::message& m) { b.add(m); }, {.group = "shipping"});
  for (int i = 0; i < 30; ++i)
    publish(topic("groups"), std::to_string(i));
  ASSERT_TRUE(a.wait_for(30));
  ASSERT_TRUE(b.wait_for(30));
  EXPECT_EQ(payloads(a.messages()).size(), 30u);
  EXPECT_EQ(payloads(b.messages()).size(), 30u);
}

TEST_P(herald_conformance, a_new_subscriber_reads_messages_published_before_it) {
  if (!has(&herald::features::new_subscriber_receives_old))
    GTEST_SKIP() << GetParam().name << " delivers only messages published after subscribing";
  for (int i = 0; i < 10; ++i)
    publish(topic("old"), std::to_string(i));
  collector got;
  subscribe(topic("old"), [&](const herald::message& m) { got.add(m); }, {.group = "late"});
  ASSERT_TRUE(got.wait_for(10));
}

TEST_P(herald_conformance, a_poison_message_goes_to_the_dead_letter_topic_after_max_deliveries) {
  collector dead;
  subscribe(topic("poison.dead-letter"), [&](const herald::message& m) { dead.add(m); });
  std::atomic<int> attempts{0};
  subscribe(topic("poison"), [&](const herald::message&) {
    ++attempts;
    throw std::runtime_error("cannot handle this one");
  }, {.max_deliveries = 3});
  auto sent = publish(topic("poison"), "poison");
  ASSERT_TRUE(dead.wait_for(1));
  auto d = dead.messages()[0];
  EXPECT_EQ(d.id, sent.id);
  EXPECT_EQ(d.payload, "poison");
  EXPECT_EQ(attempts, 3);
  EXPECT_NE(d.meta("dead-letter-reason").find("cannot handle this one"), std::string::npos)
    << d.meta("dead-letter-reason");
  EXPECT_EQ(d.meta("dead-letter-topic"), topic("poison"));
  EXPECT_EQ(d.meta("dead-letter-attempts"), "3");
}

namespace {
struct order_event {
  std::string id;
  double total = 0;
  friend void to_json(nlohmann::json& j, const order_event& o) { j = {{"id", o.id}, {"total", o.total}}; }
  friend void from_json(const nlohmann::json& j, order_event& o) {
    j.at("id").get_to(o.id);
    j.at("total").get_to(o.total);
  }
};
} // namespace

TEST_P(herald_conformance, a_typed_subscriber_sends_an_undecodable_payload_straight_to_the_dead_letter_topic) {
  collector dead;
  subscribe(topic("typed.dead-letter"), [&](const herald::message& m) { dead.add(m); });
  std::mutex mtx;
  std::vector<order_event> good;
  auto s = herald::subscriber<order_event>(conn_, topic("typed"),
                                           [&](const herald::typed_message<order_event>& m) {
                                             std::lock_guard g{mtx};
                                             good.push_back(m.value());
                                           });
  ASSERT_TRUE(s) << describe(s.error());
  subs_.push_back(*s);
  herald::publisher<order_event> pub{conn_, topic("typed"), herald::retry(2)};
  ASSERT_TRUE(pub.publish(order_event{"A-1", 12.5}, "A-1"));
  auto bad = msg("{not json");
  bad.topic = topic("typed");
  bad.metadata["content-type"] = "application/json";
  ASSERT_TRUE(conn_.publish(bad));
  ASSERT_TRUE(dead.wait_for(1));
  EXPECT_EQ(dead.messages()[0].id, bad.id);
  EXPECT_EQ(dead.messages()[0].meta("dead-letter-code"), "decode");
  EXPECT_EQ(dead.messages()[0].meta("dead-letter-attempts"), "1"); // at once, no retries
  std::lock_guard g{mtx};
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(good[0].id, "A-1");
}

TEST_P(herald_conformance, close_is_idempotent_and_safe_from_several_threads) {
  std::vector<std::future<void>> closers;
  for (int i = 0; i < 4; ++i)
    closers.push_back(std::async(std::launch::async, [&] { conn_.close(); }));
  for (auto& c : closers)
    ASSERT_EQ(c.wait_for(30s), std::future_status::ready);
  auto m = msg("after close");
  m.topic = topic("closed");
  auto r = conn_.publish(m);
  ASSERT_FALSE(r);
  EXPECT_NE(describe(r.error()).find("closed"), std::string::npos) << describe(r.error());
}

TEST_P(herald_conformance, ping_is_a_real_round_trip) {
  auto p = conn_.ping();
  ASSERT_TRUE(p) << describe(p.error());
  EXPECT_GT(p->count(), 0);
}


namespace {
const capitan::signal order_placed{"conformance.order_placed", "an order was placed"};
const capitan::key<std::string> order_id{"order_id"};
const capitan::key<double> amount{"amount"};
const capitan::key<std::int64_t> lines{"lines"};
const capitan::key<capitan::bytes> blob{"blob"};
} // namespace

TEST_P(herald_conformance, bridge_carries_a_signal_with_its_typed_fields_and_trace_context_to_the_other_side) {
  capitan::instance service_a{rt_->system()};
  capitan::instance service_b{rt_->system()};
  auto out = herald::bridge_out(service_a, conn_, order_placed, topic("orders"), {.key_field = "order_id"},
                                herald::retry(3));
  ASSERT_TRUE(out) << describe(out.error());
  auto in = herald::bridge_in(conn_, topic("orders"), service_b, order_placed);
  ASSERT_TRUE(in) << describe(in.error());
  subs_.push_back(*in);
  armada::testing::event_capture got{service_b, order_placed};
  capitan::context ctx;
  ctx.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  ctx.correlation_id = "corr-7";
  capitan::bytes payload{std::byte{0}, std::byte{0xfe}};
  service_a.emit(ctx, order_placed, order_id("A-1"), amount(99.5), lines(std::int64_t{1} << 40), blob(payload));
  ASSERT_TRUE(got.wait_for_count(1, 20s));
  auto e = got.events()[0];
  EXPECT_EQ(e.signal(), order_placed);
  EXPECT_EQ(order_id.from(e), "A-1");
  EXPECT_EQ(amount.from(e), 99.5);
  EXPECT_EQ(lines.from(e), std::int64_t{1} << 40);
  EXPECT_EQ(blob.from(e), payload);
  EXPECT_EQ(e.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(e.correlation_id(), "corr-7");
  out->close();
  EXPECT_EQ(out->stats().published, 1u);
  in->close(); // before service_b, which its subscriber reports to, goes away
}

TEST_P(herald_conformance, bridge_in_acks_only_after_every_hook_returned_and_redelivers_when_a_hook_throws) {
  capitan::instance service_b{rt_->system()};
  std::atomic<int> calls{0};
  auto flaky = service_b.hook(order_placed, [&](const capitan::event&) {
    if (++calls == 1)
      throw std::runtime_error("database unavailable");
  });
  armada::testing::event_capture seen{service_b, order_placed}; // runs after `flaky`
  auto in = herald::bridge_in(conn_, topic("acks"), service_b, order_placed, {.redelivery_base = 10ms});
  ASSERT_TRUE(in) << describe(in.error());
  subs_.push_back(*in);
  capitan::instance service_a{rt_->system()};
  auto out = herald::bridge_out(service_a, conn_, order_placed, topic("acks"), {});
  ASSERT_TRUE(out);
  service_a.emit(order_placed, order_id("A-2"));
  ASSERT_TRUE(seen.wait_for_count(2, 20s)); // first delivery failed in one hook, then again
  EXPECT_EQ(calls, 2);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  caf::expected<herald::subscriber_state> st{caf::error{}};
  do {
    st = in->state();
  } while (st && st->acked < 1 && std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->nacked, 1u);
  EXPECT_EQ(st->acked, 1u);
  out->close();
  in->close(); // before service_b, which its subscriber reports to, goes away
}

TEST_P(herald_conformance, bridge_in_dead_letters_a_message_that_is_not_an_event_of_its_signal) {
  capitan::instance service_b{rt_->system()};
  collector dead;
  subscribe(topic("strict.dead-letter"), [&](const herald::message& m) { dead.add(m); });
  auto in = herald::bridge_in(conn_, topic("strict"), service_b, order_placed);
  ASSERT_TRUE(in);
  subs_.push_back(*in);
  auto junk = publish(topic("strict"), "definitely not protobuf \xff");
  capitan::instance service_a{rt_->system()};
  capitan::signal other{"conformance.other_signal"};
  auto out = herald::bridge_out(service_a, conn_, other, topic("strict"), {});
  ASSERT_TRUE(out);
  auto l = service_a.hook(other, [](const capitan::event&) {});
  service_a.emit(other, order_id("X"));
  ASSERT_TRUE(dead.wait_for(2));
  for (auto& m : dead.messages())
    EXPECT_EQ(m.meta("dead-letter-code"), "decode") << m.meta("dead-letter-reason");
  out->close();
  // Before service_b goes away: the subscriber reports each dead letter to it once the broker
  // confirmed the dead-letter publish, which may come after the dead letter was delivered.
  in->close();
}

INSTANTIATE_TEST_SUITE_P(providers, herald_conformance,
                         ::testing::ValuesIn(armada::conformance::providers_under_test()),
                         [](const auto& info) { return info.param.name; });
