// Request/response over events: locally through capitan, and across two processes through a
// broker (the embedded provider, and redis when the test servers run) — the same code.

#include <caf/scoped_actor.hpp>

#include "../embedded/child_process.hpp"
#include "../embedded/scratch_dir.hpp"
#include "armada/herald.hpp"
#include "armada/herald/embedded.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime/uuid.hpp"
#include "fixture.hpp"
#include "request_signals.hpp"

using namespace ago_test;
using armada::testing_embedded::child_process;

namespace {

caf::expected<std::vector<capitan::field>> answer(const capitan::event& e) {
  return std::vector<capitan::field>{tracking("T-" + order_id.from(e).value_or(""))};
}

} // namespace

TEST_F(ago_fixture, a_request_gets_its_correlated_reply_typed) {
  ago::requester req{events};
  auto responder = ago::respond(events, ship_command, ship_reply, answer);
  auto reply = ago::request(req, ship_command, ship_reply, tracking, {order_id("o-1")}, 5s);
  ASSERT_EQ(reply.wait_for(10s), std::future_status::ready);
  auto value = reply.get();
  ASSERT_TRUE(value) << describe(value.error());
  EXPECT_EQ(*value, "T-o-1");
  EXPECT_EQ(req.waiting(), 0u);
}

TEST_F(ago_fixture, a_request_without_a_reply_fails_with_a_typed_timeout_and_a_late_reply_is_ignored) {
  ago::requester req{events};
  std::promise<std::string> asked;
  auto silent = events.hook(ship_command, [&](const capitan::event& e) { asked.set_value(e.correlation_id()); });
  auto reply = ago::request(req, ship_command, ship_reply, {order_id("o-2")}, 30ms);
  ASSERT_EQ(reply.wait_for(10s), std::future_status::ready);
  auto value = reply.get();
  ASSERT_FALSE(value);
  EXPECT_TRUE(ago::is(value.error(), ago::errc::timeout)) << describe(value.error());
  EXPECT_NE(describe(value.error()).find("no reply to 'test.ship' within 30 ms"), std::string::npos);
  // The reply arrives after all: nobody waits for it any more, so it is counted and dropped.
  capitan::context late;
  late.correlation_id = asked.get_future().get();
  events.emit(late, ship_reply, tracking("late"));
  events.drain();
  EXPECT_EQ(req.ignored(), 1u);
}

TEST_F(ago_fixture, replies_are_matched_by_correlation_id_not_by_arrival) {
  ago::requester req{events};
  std::vector<capitan::event> commands;
  std::mutex mtx;
  auto collect = events.hook(ship_command, [&](const capitan::event& e) {
    std::lock_guard guard{mtx};
    commands.push_back(e);
  });
  auto first = ago::request(req, ship_command, ship_reply, tracking, {order_id("a")}, 5s);
  auto second = ago::request(req, ship_command, ship_reply, tracking, {order_id("b")}, 5s);
  events.drain();
  std::lock_guard guard{mtx};
  ASSERT_EQ(commands.size(), 2u);
  // Answer the second first.
  for (auto i : {1, 0}) {
    capitan::context ctx;
    ctx.correlation_id = commands[i].correlation_id();
    events.emit(ctx, ship_reply, tracking("T-" + *order_id.from(commands[i])));
  }
  EXPECT_EQ(*first.get(), "T-a");
  EXPECT_EQ(*second.get(), "T-b");
}

TEST_F(ago_fixture, a_responder_error_comes_back_as_the_requests_error) {
  ago::requester req{events};
  auto responder = ago::respond(events, ship_command, ship_reply, [](const capitan::event&)
                                  -> caf::expected<std::vector<capitan::field>> {
    throw std::runtime_error{"warehouse on fire"};
  });
  auto reply = ago::request(req, ship_command, ship_reply, {order_id("o-3")}, 5s).get();
  ASSERT_FALSE(reply);
  EXPECT_TRUE(ago::is(reply.error(), ago::errc::step_failed));
  EXPECT_NE(describe(reply.error()).find("warehouse on fire"), std::string::npos) << describe(reply.error());
}

TEST_F(ago_fixture, await_waits_for_the_first_matching_event) {
  auto waiting = ago::await(events, ship_reply, [](const capitan::event& e) { return tracking.from(e) == "yes"; }, 5s);
  events.emit(ship_reply, tracking("no"));
  events.emit(ship_reply, tracking("yes"));
  auto got = waiting.get();
  ASSERT_TRUE(got);
  EXPECT_EQ(tracking.from(*got), "yes");
  auto nothing = ago::await(events, ship_reply, [](const capitan::event&) { return false; }, 20ms).get();
  ASSERT_FALSE(nothing);
  EXPECT_TRUE(ago::is(nothing.error(), ago::errc::timeout));
}

class cross_process : public ago_fixture {
protected:
  /// Starts the responder process on `kind`/`url`, then runs a saga whose ship step is a
  /// request over the broker, and a plain typed request.
  void run(const std::string& kind, const std::string& url) {
    auto conn = kind == "redis" ? herald::redis::connect(rt->system(), url) : herald::embedded::connect(rt->system(), url);
    ASSERT_TRUE(conn) << describe(conn.error());
    auto scope = armada::uuid::random().to_string().substr(0, 8);
    auto commands = "ago-test-commands-" + scope;
    auto replies = "ago-test-replies-" + scope;
    child_process responder{{AGO_RESPONDER, kind, url, commands, replies}};
    ASSERT_TRUE(responder.running());
    auto ready = responder.read_line(30s);
    ASSERT_TRUE(ready && *ready == "ready") << "the responder process did not start";
    // This service: commands out, replies in — subscribed before anything is sent.
    auto out = herald::bridge_out(events, *conn, ship_command, commands, {});
    ASSERT_TRUE(out) << describe(out.error());
    auto in = herald::bridge_in(*conn, replies, events, ship_reply);
    ASSERT_TRUE(in) << describe(in.error());

    ago::engine eng{rt->system(), store, options()};
    ago::step_options opts;
    opts.timeout = 20s;
    ago::saga<order> s{"order"};
    s.step("reserve", doing(j, "reserve"), undoing(j, "reserve"))
      .step("ship",
            ago::request<order>(ship_command, ship_reply,
                                [](const order& o) { return std::vector<capitan::field>{order_id(o.id)}; },
                                [](const capitan::event& reply, order& o) { o.trail.push_back(*tracking.from(reply)); }),
            nullptr, opts);
    eng.add(s);
    auto id = eng.start<order>("order", order{"o-42", 1});
    ASSERT_TRUE(id);
    auto done = eng.wait(*id, 30s);
    ASSERT_TRUE(done) << describe(done.error());
    EXPECT_EQ(done->state, ago::saga_state::completed) << done->error;
    auto trail = done->data_as<order>()->trail;
    ASSERT_EQ(trail.size(), 2u);
    EXPECT_EQ(trail[1].rfind("T-o-42-pid", 0), 0u) << trail[1];
    EXPECT_NE(trail[1], "T-o-42-pid" + std::to_string(::getpid())) << "answered by the other process";

    // A refused order: the error crosses the broker, and the saga compensates.
    auto refused = eng.start<order>("order", order{"refuse", 1});
    auto failed = eng.wait(*refused, 30s);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->state, ago::saga_state::failed);
    EXPECT_NE(failed->error.find("no courier for order refuse"), std::string::npos) << failed->error;

    // The same request without a saga.
    auto reply = ago::request(eng.requests(), ship_command, ship_reply, tracking, {order_id("o-43")}, 20s).get();
    ASSERT_TRUE(reply) << describe(reply.error());
    EXPECT_EQ(reply->rfind("T-o-43-pid", 0), 0u);
    in->close();
    out->close();
  }
};

TEST_F(cross_process, request_response_across_two_processes_over_the_embedded_provider) {
  armada::testing_embedded::scratch_dir dir;
  run("embedded", dir.url("bus.mdb", "poll=5"));
}

TEST_F(cross_process, request_response_across_two_processes_over_redis) {
  auto url = armada::testing::servers::load().get("REDIS_URL");
  if (!url)
    GTEST_SKIP() << armada::testing::servers::missing("REDIS_URL");
  run("redis", *url + "?prefix=ago-test:" + armada::uuid::random().to_string().substr(0, 8) + ":");
}
