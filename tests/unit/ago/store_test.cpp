// The saga store contract, for every store: memory, embedded (LMDB) and redis (when the test
// servers run).

#include <filesystem>
#include <future>
#include <set>

#include "../embedded/scratch_dir.hpp"
#include "armada/ago/redis_store.hpp"
#include "armada/runtime/uuid.hpp"
#include "fixture.hpp"

using namespace ago_test;

namespace {

struct store_case {
  std::string name;
};

class store_contract : public ::testing::TestWithParam<store_case> {
protected:
  void SetUp() override {
    auto& kind = GetParam().name;
    if (kind == "memory") {
      store = ago::make_memory_store();
    } else if (kind == "embedded") {
      auto s = ago::make_embedded_store({.path = (dir.path() / "sagas.mdb").string()});
      ASSERT_TRUE(s) << describe(s.error());
      store = *s;
    } else {
      auto url = armada::testing::servers::load().get("REDIS_URL");
      if (!url)
        GTEST_SKIP() << armada::testing::servers::missing("REDIS_URL");
      auto s = ago::make_redis_store(*url + "?prefix=ago-test:" + armada::uuid::random().to_string().substr(0, 8) + ":");
      ASSERT_TRUE(s) << describe(s.error());
      store = *s;
    }
  }

  caf::error write(const ago::saga_record& r) {
    std::promise<caf::error> done;
    auto f = done.get_future();
    store->write(r, [&done](caf::error e) { done.set_value(std::move(e)); });
    return f.get();
  }

  static ago::saga_record record(std::string id, std::string owner, std::int64_t now, std::int64_t lease,
                                 ago::saga_state state = ago::saga_state::running) {
    ago::saga_record r;
    r.id = std::move(id);
    r.type = "order";
    r.state = state;
    r.steps = {ago::step_record{.name = "reserve", .unit = 0, .status = ago::step_status::done, .attempts = 1},
               ago::step_record{.name = "ship", .unit = 1, .status = ago::step_status::running, .attempts = 2,
                                .wake_ms = 777}};
    r.compensations = {"reserve", "ship"};
    r.data = R"({"id":"o-1"})";
    r.owner = std::move(owner);
    r.updated_ms = now;
    r.lease_ms = lease;
    r.created_ms = 1;
    return r;
  }

  armada::testing_embedded::scratch_dir dir;
  std::shared_ptr<ago::saga_store> store;
};

} // namespace

TEST_P(store_contract, a_written_record_reads_back_whole) {
  auto r = record("s-1", "a", 1000, 2000);
  ASSERT_FALSE(write(r));
  auto back = store->load("s-1");
  ASSERT_TRUE(back && *back) << (back ? "missing" : describe(back.error()));
  EXPECT_EQ(**back, r);
  auto none = store->load("nope");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_P(store_contract, one_writer_per_saga_through_leases) {
  ASSERT_FALSE(write(record("s-2", "a", 1000, 2000)));
  auto err = write(record("s-2", "b", 1500, 3000));
  EXPECT_TRUE(ago::is(err, ago::errc::lease_lost)) << describe(err);
  EXPECT_NE(describe(err).find("held by 'a'"), std::string::npos) << describe(err);
  // After the lease ends, another owner takes the saga, and the old owner is refused.
  auto none = store->acquire("s-2", "b", 1500, 5000);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto taken = store->acquire("s-2", "b", 2500, 5000);
  ASSERT_TRUE(taken && *taken);
  EXPECT_EQ((*taken)->owner, "b");
  EXPECT_EQ((*taken)->lease_ms, 5000);
  EXPECT_TRUE(ago::is(write(record("s-2", "a", 2600, 4000)), ago::errc::lease_lost));
  EXPECT_FALSE(write(record("s-2", "b", 2600, 6000)));
}

TEST_P(store_contract, renew_extends_only_the_owners_leases) {
  ASSERT_FALSE(write(record("s-3", "a", 1000, 2000)));
  ASSERT_FALSE(write(record("s-4", "b", 1000, 2000)));
  ASSERT_FALSE(store->renew("a", {"s-3", "s-4"}, 9000));
  EXPECT_EQ((*store->load("s-3"))->lease_ms, 9000);
  EXPECT_EQ((*store->load("s-4"))->lease_ms, 2000);
}

TEST_P(store_contract, recoverable_lists_unfinished_sagas_whose_lease_ended_or_that_the_owner_holds) {
  ASSERT_FALSE(write(record("live", "a", 1000, 5000)));
  ASSERT_FALSE(write(record("expired", "a", 1000, 2000)));
  ASSERT_FALSE(write(record("done", "a", 1000, 2000, ago::saga_state::completed)));
  ASSERT_FALSE(write(record("mine", "c", 1000, 5000)));
  auto r = store->recoverable("c", 3000);
  ASSERT_TRUE(r);
  std::set<std::string> ids;
  for (const auto& rec : *r)
    ids.insert(rec.id);
  EXPECT_EQ(ids, (std::set<std::string>{"expired", "mine"}));
  auto done = store->list(ago::saga_state::completed);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->size(), 1u);
  EXPECT_EQ(done->front().id, "done");
  EXPECT_EQ(store->list()->size(), 4u);
  auto terminal = store->acquire("done", "z", 9000, 10000);
  ASSERT_TRUE(terminal);
  EXPECT_FALSE(*terminal) << "a finished saga is never taken";
}

INSTANTIATE_TEST_SUITE_P(stores, store_contract,
                         ::testing::Values(store_case{"memory"}, store_case{"embedded"}, store_case{"redis"}),
                         [](const auto& info) { return info.param.name; });

TEST_F(ago_fixture, a_saga_runs_and_recovers_on_the_redis_store) {
  auto url = armada::testing::servers::load().get("REDIS_URL");
  if (!url)
    GTEST_SKIP() << armada::testing::servers::missing("REDIS_URL");
  auto redis = ago::make_redis_store(*url + "?prefix=ago-test:" + armada::uuid::random().to_string().substr(0, 8) + ":");
  ASSERT_TRUE(redis) << describe(redis.error());
  ago::engine eng{rt->system(), *redis, options("redis-owner")};
  ago::saga<order> s{"order"};
  s.step("reserve", doing(j, "reserve"), undoing(j, "reserve")).step("charge", failing(j, "charge"));
  eng.add(s);
  auto id = eng.start<order>("order", order{"o-r", 3});
  ASSERT_TRUE(id);
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->state, ago::saga_state::failed);
  auto rec = (*redis)->load(*id);
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->find("reserve")->status, ago::step_status::compensated);
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve", "fail:charge", "undo:reserve"}));
}

TEST(ago_redis_store, a_dead_server_is_a_clear_error) {
  auto s = ago::make_redis_store("redis://127.0.0.1:1?connect-timeout=500");
  ASSERT_FALSE(s);
  EXPECT_NE(describe(s.error()).find("127.0.0.1:1"), std::string::npos) << describe(s.error());
  auto bad = ago::make_redis_store("redis://127.0.0.1:6379?prefx=a");
  ASSERT_FALSE(bad);
  EXPECT_NE(describe(bad.error()).find("prefx"), std::string::npos) << describe(bad.error());
}

TEST(saga_record, a_record_with_a_number_that_is_no_count_is_refused_naming_the_member) {
  ago::saga_record r;
  r.id = "s-9";
  r.type = "order";
  r.steps.push_back({});
  auto text = ago::to_json(r);
  ASSERT_TRUE(ago::record_from_json(text)) << text;
  for (auto [member, bad] : {std::pair{"\"version\":0", "\"version\":1e300"},
                             std::pair{"\"attempts\":0", "\"attempts\":-1"},
                             std::pair{"\"lease_ms\":0", "\"lease_ms\":18446744073709551615"}}) {
    auto broken = text;
    auto at = broken.find(member);
    ASSERT_NE(at, std::string::npos) << member << " in " << text;
    broken.replace(at, std::string_view{member}.size(), bad);
    auto back = ago::record_from_json(broken);
    ASSERT_FALSE(back) << broken;
    EXPECT_TRUE(ago::is(back.error(), ago::errc::bad_record));
    auto name = std::string{member}.substr(0, std::string_view{member}.find(':'));
    EXPECT_NE(describe(back.error()).find("member '" + name.substr(1, name.size() - 2) + "'"),
              std::string::npos)
        << describe(back.error());
  }
}
