// Recovery: a second engine resumes sagas whose owner is gone, exactly where the log says;
// never a saga a live owner holds; durable timers fire after a restart; the embedded store
// keeps the log across store reopenings.

#include <filesystem>
#include <fstream>
#include <limits>

#include "../embedded/scratch_dir.hpp"
#include "fixture.hpp"

using namespace ago_test;

namespace {

inline const capitan::signal pack_command{"test.pack", "pack an order"};
inline const capitan::signal pack_reply{"test.packed", "an order was packed"};

ago::saga<order> packing_saga(journal& j, std::chrono::milliseconds timeout = 0ms) {
  ago::step_options opts;
  opts.timeout = timeout;
  ago::saga<order> s{"packing"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve"))
    .step("pack", ago::request<order>(pack_command, pack_reply, [](const order&) { return std::vector<capitan::field>{}; }),
          undoing(j, "pack"), opts)
    .step("ship", doing(j, "ship"), undoing(j, "ship"));
  return s;
}

/// Waits until `pred(record)` holds for saga `id` in `store`.
template <class Pred>
bool wait_for_record(ago::saga_store& store, const std::string& id, Pred pred, std::chrono::milliseconds timeout = 10s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = store.load(id);
    if (r && *r && pred(**r))
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::yield();
  }
}

class recovery_fixture : public ago_fixture {
protected:
  ago::engine_options manual(std::string owner) {
    auto o = options(std::move(owner));
    o.clock = clock;
    o.lease = 1000ms;
    return o;
  }
  std::shared_ptr<manual_clock> clock = std::make_shared<manual_clock>();
};

} // namespace

TEST_F(recovery_fixture, a_live_owners_saga_is_left_alone_and_resumed_after_its_lease_expires) {
  std::vector<std::string> packed; // correlation ids the packer saw
  std::mutex mtx;
  auto silent = events.hook(pack_command, [&](const capitan::event& e) {
    std::lock_guard guard{mtx};
    packed.push_back(e.correlation_id());
  });
  std::string id;
  {
    ago::engine a{rt->system(), store, manual("service-a")};
    a.add(packing_saga(j));
    id = *a.start<order>("packing", order{"o-1", 5}, {.id = "order-1"});
    ASSERT_TRUE(wait_for_record(*store, id, [](const ago::saga_record& r) {
      return r.find("pack")->status == ago::step_status::running;
    }));
    // Another engine on the same store must not take it while a's lease holds.
    ago::engine b{rt->system(), store, manual("service-b")};
    b.add(packing_saga(j));
    auto none = b.recover();
    ASSERT_TRUE(none);
    EXPECT_EQ(*none, 0u);
  } // a dies here without finishing: the log says "pack is running"
  ago::engine b{rt->system(), store, manual("service-b")};
  b.add(packing_saga(j));
  ASSERT_EQ(*b.recover(), 0u) << "the lease has not expired yet";
  clock->advance(1001ms);
  auto resumed = b.recover();
  ASSERT_TRUE(resumed) << describe(resumed.error());
  EXPECT_EQ(*resumed, 1u);
  // It resumes exactly where it stopped: the pack request again, with the same key.
  auto until = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    {
      std::lock_guard guard{mtx};
      if (packed.size() == 2)
        break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), until);
    std::this_thread::yield();
  }
  {
    std::lock_guard guard{mtx};
    EXPECT_EQ(packed, (std::vector<std::string>{"order-1:pack", "order-1:pack"}));
  }
  capitan::context ctx;
  ctx.correlation_id = "order-1:pack";
  events.emit(ctx, pack_reply);
  auto out = b.wait(id, 10s);
  ASSERT_TRUE(out) << describe(out.error());
  EXPECT_EQ(out->state, ago::saga_state::completed);
  // reserve ran once (before the crash), ship once (after): nothing repeated, nothing skipped.
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "do:ship"}));
  auto rec = store->load(id);
  EXPECT_EQ((*rec)->owner, "service-b");
}

TEST_F(recovery_fixture, a_restarted_owner_resumes_its_own_sagas_at_once) {
  auto silent = events.hook(pack_command, [](const capitan::event&) {});
  std::string id;
  {
    ago::engine a{rt->system(), store, manual("service-a")};
    a.add(packing_saga(j));
    id = *a.start<order>("packing", order{"o-2", 5});
    ASSERT_TRUE(wait_for_record(*store, id, [](const ago::saga_record& r) {
      return r.find("pack")->status == ago::step_status::running;
    }));
  }
  ago::engine again{rt->system(), store, manual("service-a")};
  again.add(packing_saga(j));
  EXPECT_EQ(*again.recover(), 1u);
  ASSERT_FALSE(again.cancel(id));
  auto out = again.wait(id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "undo:pack", "undo:reserve"}));
}

TEST_F(recovery_fixture, a_step_timeout_fires_on_time_after_a_restart) {
  auto silent = events.hook(pack_command, [](const capitan::event&) {});
  std::string id;
  {
    ago::engine a{rt->system(), store, manual("service-a")};
    a.add(packing_saga(j, 500ms));
    id = *a.start<order>("packing", order{"o-3", 5});
    ASSERT_TRUE(wait_for_record(*store, id, [](const ago::saga_record& r) {
      return r.find("pack")->status == ago::step_status::running;
    }));
    auto rec = store->load(id);
    EXPECT_GT((*rec)->find("pack")->wake_ms, 0) << "the step's timeout is in the log";
  }
  clock->advance(2000ms); // the process was down longer than the step's timeout
  ago::engine b{rt->system(), store, manual("service-b")};
  b.add(packing_saga(j, 500ms));
  EXPECT_EQ(*b.recover(), 1u);
  // The resumed step re-arms its timer at the logged time, already past: it is due at once.
  // The manual clock runs due timers when it moves, and the saga actor arms its timer on its own
  // thread (a count of the clock's waiters cannot tell that timer from a stale one of engine a's
  // actor, armed late): move the clock 1 ms at a time until the saga ended, at most 250 ms of
  // clock time — half the step's timeout, so a timer re-armed from the restart would not fire.
  int moved = 0;
  ASSERT_TRUE(armada::testing::wait_until([&] {
    auto r = store->load(id);
    if (r && *r && ago::is_terminal((**r).state))
      return true;
    if (moved < 250) {
      ++moved;
      clock->advance(1ms);
    }
    return false;
  })) << "the step's logged timeout did not fire within " << moved << " ms of clock time after the restart";
  auto out = b.wait(id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  EXPECT_NE(out->error.find("no reply to 'test.pack' within 500 ms"), std::string::npos) << out->error;
}

TEST_F(recovery_fixture, a_saga_of_an_unknown_definition_is_reported_and_left_in_the_log) {
  armada::testing::event_capture errors{events, ago::signals::error};
  auto silent = events.hook(pack_command, [](const capitan::event&) {});
  std::string id;
  {
    ago::engine a{rt->system(), store, manual("service-a")};
    a.add(packing_saga(j));
    id = *a.start<order>("packing", order{"o-4", 5});
    ASSERT_TRUE(wait_for_record(*store, id, [](const ago::saga_record& r) {
      return r.find("pack")->status == ago::step_status::running;
    }));
  }
  clock->advance(1001ms);
  ago::engine b{rt->system(), store, manual("service-b")}; // knows no "packing"
  EXPECT_EQ(*b.recover(), 0u);
  ASSERT_TRUE(errors.wait_for_count(1));
  auto why = ago::signals::reason.from(errors.events().front());
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("no saga definition named 'packing'"), std::string::npos) << *why;
  EXPECT_EQ((*store->load(id))->state, ago::saga_state::running);
}

TEST_F(recovery_fixture, the_store_refuses_a_write_from_an_owner_whose_lease_was_taken) {
  ago::saga_record r;
  r.id = "s-1";
  r.type = "t";
  r.state = ago::saga_state::running;
  r.owner = "a";
  r.updated_ms = 1000;
  r.lease_ms = 2000;
  std::promise<caf::error> first;
  store->write(r, [&](caf::error e) { first.set_value(std::move(e)); });
  ASSERT_FALSE(first.get_future().get());
  auto taken = store->acquire("s-1", "b", 1500, 5000);
  ASSERT_TRUE(taken);
  EXPECT_FALSE(*taken) << "a's lease holds until 2000";
  taken = store->acquire("s-1", "b", 2500, 5000);
  ASSERT_TRUE(taken && *taken);
  r.updated_ms = 2600;
  std::promise<caf::error> late;
  store->write(r, [&](caf::error e) { late.set_value(std::move(e)); });
  auto err = late.get_future().get();
  EXPECT_TRUE(ago::is(err, ago::errc::lease_lost)) << describe(err);
  EXPECT_NE(describe(err).find("held by 'b'"), std::string::npos) << describe(err);
}

class embedded_fixture : public ago_fixture {
protected:
  armada::testing_embedded::scratch_dir dir;
  std::string path() const { return (dir.path() / "sagas.mdb").string(); }
};

TEST_F(embedded_fixture, sagas_on_the_embedded_store_survive_reopening_the_file) {
  std::string id;
  {
    auto st = ago::make_embedded_store({.path = path()});
    ASSERT_TRUE(st) << describe(st.error());
    ago::engine eng{rt->system(), *st, options()};
    ago::saga<order> s{"order"};
    s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("charge", failing(j, "charge"));
    eng.add(s);
    id = *eng.start<order>("order", order{"o-5", 9});
    auto out = eng.wait(id, 10s);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->state, ago::saga_state::failed);
  }
  auto reopened = ago::make_embedded_store({.path = path()});
  ASSERT_TRUE(reopened);
  auto rec = (*reopened)->load(id);
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->state, ago::saga_state::failed);
  EXPECT_EQ((*rec)->find("reserve")->status, ago::step_status::compensated);
  auto failed = (*reopened)->list(ago::saga_state::failed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->size(), 1u);
  auto none = (*reopened)->recoverable("anyone", std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty()) << "finished sagas are not recoverable";
}

TEST_F(embedded_fixture, concurrent_sagas_share_fsyncs_through_group_commit) {
  auto st = ago::make_embedded_store({.path = path()});
  ASSERT_TRUE(st);
  ago::engine eng{rt->system(), *st, options()};
  ago::saga<order> s{"order"};
  s.step("a", [](order&) {}).step("b", [](order&) {}).step("c", [](order&) {});
  eng.add(s);
  constexpr int n = 200;
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(*eng.start<order>("order", order{std::to_string(i), i}));
  for (const auto& id : ids) {
    auto out = eng.wait(id, 30s);
    ASSERT_TRUE(out);
    ASSERT_EQ(out->state, ago::saga_state::completed);
  }
  auto stats = (*st)->stats();
  EXPECT_EQ(stats.writes, 4u * n); // start+step 1, step 2, step 3, completed
  EXPECT_LT(stats.fsyncs, stats.writes) << "writes that arrive during a commit share the next one";
  EXPECT_LE(stats.fsyncs, 3u * n) << "at most one fsync per step";
}

TEST_F(embedded_fixture, store_errors_name_the_file_and_the_fix) {
  auto missing = ago::make_embedded_store({.path = (dir.path() / "no-such-dir" / "sagas.mdb").string()});
  ASSERT_FALSE(missing);
  EXPECT_NE(describe(missing.error()).find("does not exist"), std::string::npos) << describe(missing.error());
  auto directory = ago::make_embedded_store({.path = dir.path().string()});
  ASSERT_FALSE(directory);
  EXPECT_NE(describe(directory.error()).find("is a directory"), std::string::npos);
  {
    std::ofstream junk{dir.path() / "junk.mdb"};
    junk << std::string(8192, 'x');
  }
  auto not_lmdb = ago::make_embedded_store({.path = (dir.path() / "junk.mdb").string()});
  ASSERT_FALSE(not_lmdb);
  EXPECT_NE(describe(not_lmdb.error()).find("not an LMDB file"), std::string::npos) << describe(not_lmdb.error());
}
