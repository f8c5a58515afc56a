// Sagas on the memory store: every lifecycle path, LIFO and group compensation, retries,
// Stuck, cancellation, timeouts, request steps, idempotency keys, inspection.

#include <caf/scoped_actor.hpp>

#include "fixture.hpp"
#include "request_signals.hpp"

using namespace ago_test;

namespace {

ago::saga<order> order_saga(journal& j) {
  ago::saga<order> s{"order"};
  s.step("reserve_inventory", doing(j, "reserve_inventory"), undoing(j, "reserve_inventory"))
    .step("charge_payment", doing(j, "charge_payment"), undoing(j, "charge_payment"))
    .step("ship_order", doing(j, "ship_order"), undoing(j, "ship_order"));
  return s;
}

} // namespace

TEST_F(ago_fixture, a_saga_runs_its_steps_in_order_and_completes) {
  armada::testing::event_capture transitions{events};
  ago::engine eng{rt->system(), store, options()};
  eng.add(order_saga(j));
  auto id = eng.start<order>("order", order{"o-1", 42});
  ASSERT_TRUE(id) << describe(id.error());
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out) << describe(out.error());
  EXPECT_EQ(out->state, ago::saga_state::completed);
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve_inventory", "do:charge_payment", "do:ship_order"}));
  auto data = out->data_as<order>();
  ASSERT_TRUE(data);
  EXPECT_EQ(data->trail, (std::vector<std::string>{"reserve_inventory", "charge_payment", "ship_order"}));
  // The log says Completed, and the actor is gone (only the record stays).
  auto rec = store->load(*id);
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->state, ago::saga_state::completed);
  EXPECT_TRUE((*rec)->compensations.size() == 3); // owed only if it fails; never consumed here
  EXPECT_EQ(eng.active(), 0u);
  EXPECT_FALSE(eng.actor_of(*id));
  // Transitions as capitan signals, in order.
  ASSERT_TRUE(transitions.wait_for_count(5));
  events.drain();
  // capitan keeps order per signal; across signals, the emit timestamps tell the order.
  auto seen = transitions.events();
  std::stable_sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.timestamp() < b.timestamp(); });
  std::vector<std::string> names;
  for (const auto& e : seen)
    if (e.signal().name().starts_with("saga."))
      names.push_back(e.signal().name());
  EXPECT_EQ(names, (std::vector<std::string>{"saga.started", "saga.step_completed", "saga.step_completed",
                                             "saga.step_completed", "saga.completed"}));
}

TEST_F(ago_fixture, a_failed_step_compensates_the_completed_steps_in_reverse_order) {
  armada::testing::event_capture failed{events, ago::signals::failed};
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("reserve_inventory", doing(j, "reserve_inventory"), undoing(j, "reserve_inventory"))
    .step("charge_payment", doing(j, "charge_payment"), undoing(j, "charge_payment"))
    .step("ship_order", failing(j, "ship_order"), undoing(j, "ship_order"));
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-2", 7});
  ASSERT_TRUE(id);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_NE(out->error.find("ship_order"), std::string::npos) << out->error;
  EXPECT_NE(out->error.find("the ship_order service said no"), std::string::npos) << out->error;
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve_inventory", "do:charge_payment", "fail:ship_order",
                                                   "undo:charge_payment", "undo:reserve_inventory"}));
  ASSERT_TRUE(failed.wait_for_count(1));
  EXPECT_EQ(ago::signals::saga.from(failed.events().front()), *id);
  auto rec = store->load(*id);
  ASSERT_TRUE(rec && *rec);
  EXPECT_TRUE((*rec)->compensations.empty());
  EXPECT_EQ((*rec)->find("ship_order")->status, ago::step_status::failed);
  EXPECT_EQ((*rec)->find("charge_payment")->status, ago::step_status::compensated);
}

TEST_F(ago_fixture, handlers_receive_deterministic_idempotency_keys) {
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("charge", failing(j, "charge"));
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-3", 1}, {.id = "order-3"});
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "order-3");
  ASSERT_TRUE(eng.wait(*id, 10s));
  EXPECT_EQ(j.keys(), (std::vector<std::string>{"order-3:reserve", "order-3:compensate:reserve"}));
}

TEST_F(ago_fixture, starting_an_existing_id_again_runs_nothing_twice) {
  ago::engine eng{rt->system(), store, options()};
  eng.add(order_saga(j));
  auto first = eng.start<order>("order", order{"o-4", 1}, {.id = "order-4"});
  ASSERT_TRUE(first);
  ASSERT_TRUE(eng.wait(*first, 10s));
  auto again = eng.start<order>("order", order{"o-4", 1}, {.id = "order-4"});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, "order-4");
  EXPECT_EQ(j.entries().size(), 3u);
}

TEST_F(ago_fixture, a_step_is_retried_with_backoff_within_its_budget) {
  ago::engine eng{rt->system(), store, options()};
  std::atomic<int> calls{0};
  ago::step_options retry;
  retry.retry.max_attempts = 3;
  retry.retry.base_delay = 1ms;
  ago::saga<order> s{"order"};
  s.step("charge", ago::local<order>([&](const ago::step_context& ctx, order&) -> pipz::status {
           j.add("attempt " + std::to_string(ctx.attempt), std::string{ctx.idempotency_key});
           if (++calls < 3)
             return pipz::fail("card network busy");
           return {};
         }),
         undoing(j, "charge"), retry);
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-5", 1}, {.id = "order-5"});
  ASSERT_TRUE(id);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::completed);
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"attempt 1", "attempt 2", "attempt 3"}));
  // Every attempt carries the same key: a handler applies it at most once.
  EXPECT_EQ(j.keys(), (std::vector<std::string>(3, "order-5:charge")));
}

TEST_F(ago_fixture, a_compensation_that_keeps_failing_leaves_the_saga_stuck_and_says_so) {
  armada::testing::event_capture stuck{events, ago::signals::stuck};
  ago::engine eng{rt->system(), store, options()};
  std::atomic<bool> fixed{false};
  std::atomic<int> refund_calls{0};
  ago::step_options opts;
  opts.compensation_retry.max_attempts = 3;
  opts.compensation_retry.base_delay = 1ms;
  ago::saga<order> s{"order"};
  s.step("charge", doing(j, "charge"), ago::local<order>([&](order&) -> pipz::status {
                                          ++refund_calls;
                                          if (!fixed)
                                            return pipz::fail("refund service down");
                                          return {};
                                        }),
         opts)
    .step("ship", failing(j, "ship"));
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-6", 1});
  ASSERT_TRUE(id);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::stuck);
  EXPECT_EQ(refund_calls.load(), 3);
  EXPECT_NE(out->error.find("refund service down"), std::string::npos) << out->error;
  ASSERT_TRUE(stuck.wait_for_count(1));
  EXPECT_EQ(ago::signals::step.from(stuck.events().front()), "charge");
  auto listed = eng.list(ago::saga_state::stuck);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, *id);
  // An operator fixes the cause and resumes: the compensation runs again and the saga fails cleanly.
  fixed = true;
  ASSERT_FALSE(eng.resume(*id));
  out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_EQ(refund_calls.load(), 4);
}

TEST_F(ago_fixture, a_parallel_group_runs_together_and_is_compensated_as_a_group_before_earlier_steps) {
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve"))
    .parallel({ago::step<order>("email", doing(j, "email"), undoing(j, "email")),
               ago::step<order>("invoice", doing(j, "invoice"), undoing(j, "invoice")),
               ago::step<order>("fraud_check", failing(j, "fraud_check"))});
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-7", 1});
  ASSERT_TRUE(id);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  auto e = j.entries();
  ASSERT_EQ(e.size(), 7u);
  // The group's completed steps are undone (in either order), then the earlier step.
  std::vector<std::string> group_undo{e[4], e[5]};
  std::sort(group_undo.begin(), group_undo.end());
  EXPECT_EQ(group_undo, (std::vector<std::string>{"undo:email", "undo:invoice"}));
  EXPECT_EQ(e[6], "undo:reserve");
}

namespace {
ago::operation<order> ship_request() {
  return ago::request<order>(
    ship_command, ship_reply, [](const order& o) { return std::vector<capitan::field>{order_id(o.id)}; },
    [](const capitan::event& reply, order& o) { o.trail.push_back("tracking " + tracking.from(reply).value_or("?")); });
}
} // namespace

TEST_F(ago_fixture, a_request_step_is_done_when_its_correlated_reply_arrives) {
  ago::engine eng{rt->system(), store, options()};
  std::vector<std::string> keys;
  std::mutex mtx;
  auto responder = ago::respond(events, ship_command, ship_reply, [&](const capitan::event& e) {
    std::lock_guard guard{mtx};
    keys.push_back(e.correlation_id());
    return std::vector<capitan::field>{tracking("T-" + order_id.from(e).value_or(""))};
  });
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("ship", ship_request());
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-8", 1}, {.id = "order-8"});
  ASSERT_TRUE(id);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::completed) << out->error;
  EXPECT_EQ(out->data_as<order>()->trail.back(), "tracking T-o-8");
  std::lock_guard guard{mtx};
  EXPECT_EQ(keys, (std::vector<std::string>{"order-8:ship"}));
}

TEST_F(ago_fixture, a_reply_reporting_an_error_fails_the_step_and_compensates) {
  ago::engine eng{rt->system(), store, options()};
  auto responder = ago::respond(events, ship_command, ship_reply, [](const capitan::event&)
                                  -> caf::expected<std::vector<capitan::field>> {
    return ago::make_error(ago::errc::step_failed, "no courier for this address");
  });
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("ship", ship_request());
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-9", 1});
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_NE(out->error.find("no courier for this address"), std::string::npos) << out->error;
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "undo:reserve"}));
}

TEST_F(ago_fixture, a_request_step_without_reply_times_out_per_attempt_then_compensates) {
  armada::testing::event_capture step_failures{events, ago::signals::step_failed};
  auto silent = events.hook(ship_command, [](const capitan::event&) {}); // a responder that never answers
  ago::engine eng{rt->system(), store, options()};
  ago::step_options opts;
  opts.timeout = 20ms;
  opts.retry.max_attempts = 2;
  opts.retry.base_delay = 1ms;
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("ship", ship_request(), nullptr, opts);
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-10", 1});
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_NE(out->error.find("no reply to 'test.ship' within 20 ms"), std::string::npos) << out->error;
  ASSERT_TRUE(step_failures.wait_for_count(2));
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "undo:reserve"}));
}

TEST_F(ago_fixture, a_saga_timeout_compensates_even_while_a_step_waits) {
  auto silent = events.hook(ship_command, [](const capitan::event&) {}); // a responder that never answers
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve"))
    .step("ship", ship_request(), undoing(j, "ship"))
    .timeout(50ms);
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-11", 1});
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_NE(out->error.find("timed out"), std::string::npos) << out->error;
  // The waiting step's outcome is unknown, so its compensation runs too — latest first.
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "undo:ship", "undo:reserve"}));
}

TEST_F(ago_fixture, cancelling_compensates_but_a_compensation_is_never_cancelled) {
  static const capitan::signal release_command{"test.release", "release a reservation"};
  static const capitan::signal release_reply{"test.released", "a reservation was released"};
  auto silent = events.hook(ship_command, [](const capitan::event&) {}); // never answers
  std::promise<capitan::event> release_asked;
  auto release_requested = release_asked.get_future();
  auto release_hook = events.hook(release_command, [&](const capitan::event& e) { release_asked.set_value(e); });
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"),
         ago::request<order>(release_command, release_reply, [](const order&) { return std::vector<capitan::field>{}; }))
    .step("ship", ship_request(), undoing(j, "ship"));
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-12", 1}, {.id = "order-12"});
  ASSERT_TRUE(id);
  // Wait until the saga waits for the ship reply, then cancel.
  auto waiting = [&] {
    auto st = eng.get_state(*id);
    return st && st->find("ship")->status == ago::step_status::running;
  };
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!waiting() && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  ASSERT_TRUE(waiting());
  ASSERT_FALSE(eng.cancel(*id));
  // The compensation of reserve is a request that is now waiting for its reply.
  ASSERT_EQ(release_requested.wait_for(10s), std::future_status::ready);
  auto asked = release_requested.get();
  EXPECT_EQ(asked.correlation_id(), "order-12:compensate:reserve");
  // A second cancel while compensating is refused, and the compensation goes on.
  auto err = eng.cancel(*id);
  EXPECT_TRUE(ago::is(err, ago::errc::cancelled)) << describe(err);
  capitan::context reply_ctx;
  reply_ctx.correlation_id = asked.correlation_id();
  events.emit(reply_ctx, release_reply);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_EQ(out->error, "cancelled");
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "undo:ship"}));
  auto rec = store->load(*id);
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->find("reserve")->status, ago::step_status::compensated);
}

TEST_F(ago_fixture, get_state_shows_the_current_step_and_the_pending_compensations) {
  auto silent = events.hook(ship_command, [](const capitan::event&) {}); // a responder that never answers
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("ship", ship_request(), undoing(j, "ship"));
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-13", 1});
  ASSERT_TRUE(id);
  caf::expected<ago::saga_record> st{caf::error{}};
  auto until = std::chrono::steady_clock::now() + 10s;
  do {
    st = eng.get_state(*id);
  } while ((!st || st->position != 1 || st->find("ship")->status != ago::step_status::running)
           && std::chrono::steady_clock::now() < until);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, ago::saga_state::running);
  EXPECT_EQ(st->position, 1u);
  EXPECT_EQ(st->compensations, (std::vector<std::string>{"reserve", "ship"}));
  EXPECT_EQ(st->find("reserve")->status, ago::step_status::done);
  // The live actor answers get_state directly too.
  auto actor = eng.actor_of(*id);
  ASSERT_TRUE(actor);
  caf::scoped_actor self{rt->system()};
  self->request(actor, 5s, capitan::get_state_atom::value)
    .receive([&](ago::saga_record& r) { EXPECT_EQ(r.id, *id); },
             [&](caf::error& err) { FAIL() << describe(err); });
  eng.cancel(*id);
  ASSERT_TRUE(eng.wait(*id, 10s));
}

TEST_F(ago_fixture, a_request_nobody_listens_to_fails_at_once_naming_the_fix) {
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> s{"order"};
  s.step("ship", ship_request());
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-15", 1});
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_NE(out->error.find("nothing listens to it"), std::string::npos) << out->error;
  EXPECT_NE(out->error.find("ago::respond"), std::string::npos) << out->error;
}

TEST_F(ago_fixture, bad_definitions_and_unknown_sagas_are_named_errors) {
  ago::engine eng{rt->system(), store, options()};
  ago::saga<order> empty{"empty"};
  EXPECT_THROW(eng.add(empty), std::invalid_argument);
  ago::saga<order> dup{"dup"};
  dup.step("a", doing(j, "a")).step("a", doing(j, "a"));
  try {
    eng.add(dup);
    FAIL() << "a duplicate step name must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string{e.what()}.find("two steps named 'a'"), std::string::npos) << e.what();
  }
  auto none = eng.start<order>("missing", order{});
  ASSERT_FALSE(none);
  EXPECT_TRUE(ago::is(none.error(), ago::errc::unknown_definition));
  EXPECT_NE(describe(none.error()).find("engine::add"), std::string::npos);
  auto unknown = eng.get_state("nope");
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(ago::is(unknown.error(), ago::errc::unknown_saga));
}

TEST_F(ago_fixture, a_saga_is_a_pipz_node) {
  ago::engine eng{rt->system(), store, options()};
  auto node = eng.add(order_saga(j));
  pipz::context ctx;
  auto r = node->process(ctx, ago::flow<order>{order{"o-14", 3}});
  ASSERT_TRUE(r.ok()) << r.error().text();
  EXPECT_EQ(r->data.trail.size(), 3u);
  EXPECT_FALSE(r->saga_id.empty());
}
