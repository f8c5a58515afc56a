// The firestore driver: URL and properties, and against the Firestore emulator — leases that
// competing subscriptions never share, leases renewed while held and freed on close, ack
// deleting the document, the lease of a killed holder running out.

#include <csignal>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/firestore.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing/process.hpp"
#include "firestore_client.hpp"
#include "sqs_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

const std::string project = "armada-unit";

/// The lease of the collection tests, short so that a lease running out takes little time.
const std::string short_lease = "&lease=1500";

std::optional<std::string> firestore_url(const std::string& extra = {}) {
  auto url = armada::testing::servers::load().get("FIRESTORE_URL");
  if (!url)
    return std::nullopt;
  return *url + "?project=" + project + extra;
}

/// The `lease_until` (ms since the epoch) the emulator stores for message `id` of `topic`, read
/// back with the provider's own REST calls; nothing when the document is not there.
std::optional<std::int64_t> stored_lease_end(const std::string& topic, const std::string& id) {
  auto u = herald::url::parse(*firestore_url());
  if (!u)
    return std::nullopt;
  herald::firestore::settings s;
  s.host = u->host;
  s.port = u->port;
  s.project = project;
  herald::firestore::api rest{s};
  auto docs = rest.oldest(herald::firestore::safe_id(s.prefix + topic), 100);
  if (!docs)
    return std::nullopt;
  for (auto& d : *docs)
    if (d.name.ends_with("/" + id))
      return d.lease_until;
  return std::nullopt;
}

class firestore_collection : public testing_sqs::driver_test {
protected:
  void SetUp() override {
    if (!firestore_url()) {
      auto env = armada::testing::servers::load();
      GTEST_SKIP() << env.get("FIRESTORE_UNAVAILABLE").value_or(armada::testing::servers::missing("FIRESTORE_URL"));
    }
    open(firestore_url(short_lease), herald::firestore::make_driver, "fs");
  }
};

} // namespace

TEST(firestore_url, a_missing_project_or_a_bad_property_is_a_config_error_naming_it) {
  ::unsetenv("FIRESTORE_PROJECT_ID");
  ::unsetenv("GOOGLE_CLOUD_PROJECT");
  auto a = herald::firestore::make_driver("firestore://127.0.0.1:8080");
  ASSERT_FALSE(a);
  EXPECT_NE(describe(a.error()).find("FIRESTORE_PROJECT_ID"), std::string::npos) << describe(a.error());
  auto b = herald::firestore::make_driver("firestore://127.0.0.1:8080?project=p&leese=1");
  ASSERT_FALSE(b);
  EXPECT_NE(describe(b.error()).find("leese"), std::string::npos) << describe(b.error());
}

TEST_F(firestore_collection, competing_subscriptions_never_hold_the_same_message) {
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(drv_->publish(msg(std::to_string(i))));
  auto a = drv_->subscribe(topic_, {});
  auto b = drv_->subscribe(topic_, {});
  ASSERT_TRUE(a && b);
  std::set<std::string> seen;
  std::size_t total = 0;
  ASSERT_TRUE(testing_sqs::wait_until([&] {
    for (auto* s : {a->get(), b->get()}) {
      auto r = s->fetch(3, 10ms);
      EXPECT_TRUE(r) << describe(r.error());
      if (r)
        for (auto& m : *r) {
          seen.insert(m.payload);
          ++total;
        }
    }
    return seen.size() >= 20;
  }));
  EXPECT_EQ(total, 20u); // inside the lease: nobody got a message twice
}

TEST_F(firestore_collection, an_unacked_message_comes_back_when_its_holder_closes_and_an_acked_one_does_not) {
  ASSERT_TRUE(drv_->publish(msg("kept")));
  ASSERT_TRUE(drv_->publish(msg("done")));
  auto sub = drv_->subscribe(topic_, {});
  ASSERT_TRUE(sub);
  auto first = fetch(**sub, 2);
  ASSERT_EQ(first.size(), 2u);
  for (auto& m : first) {
    if (m.payload == "done") {
      ASSERT_FALSE((*sub)->ack(m));
    }
  }
  auto other = drv_->subscribe(topic_, {});
  ASSERT_TRUE(other);
  EXPECT_TRUE(fetch(**other, 1, 2500ms).empty()); // past the 1.5 s lease: renewed while held
  (*sub)->close();
  auto again = fetch(**other, 1, 10s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].payload, "kept");
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_TRUE(fetch(**other, 1, 2500ms).empty()); // "done" was deleted
}

TEST_F(firestore_collection, a_slow_handler_keeps_its_lease_renewed_and_gets_its_message_once) {
  auto slow = drv_->subscribe(topic_, {});
  auto other = drv_->subscribe(topic_, {});
  ASSERT_TRUE(slow && other);
  ASSERT_TRUE(drv_->publish(msg("slow")));
  auto held = fetch(**slow, 1);
  ASSERT_EQ(held.size(), 1u);
  caf::error acked;
  // Three times the 1.5 s lease: without renewal the other subscription would take it.
  auto stolen = compete_with_slow_handler(**slow, held[0], **other, 4500ms, acked);
  EXPECT_TRUE(stolen.empty()) << "the competing subscription got " << stolen.size() << " message(s)";
  EXPECT_FALSE(acked) << describe(acked); // the ack found the lease still ours
  EXPECT_TRUE(fetch(**other, 1, 2s).empty());
  EXPECT_TRUE(fetch(**slow, 1, 1s).empty());
}

TEST_F(firestore_collection, a_message_held_by_a_killed_process_comes_back_once_its_lease_runs_out_and_none_is_lost) {
  std::map<std::string, std::string> published; // id → payload
  for (const char* payload : {"first", "second", "third"}) {
    auto m = msg(payload);
    ASSERT_TRUE(drv_->publish(m));
    published[m.id] = m.payload;
  }
  std::string held_id;
  unsigned held_attempt = 0;
  std::int64_t killed_at = 0;
  {
    armada::testing::process holder{{FIRESTORE_CRASH_HELPER, "hold", *firestore_url(short_lease), topic_}};
    ASSERT_TRUE(holder.running());
    auto line = holder.wait_for_line("holding ", 30s);
    ASSERT_TRUE(line) << "the subscriber process never got a message";
    std::istringstream{line->substr(8)} >> held_id >> held_attempt;
    ASSERT_EQ(published.count(held_id), 1u) << *line;
    EXPECT_EQ(held_attempt, 1u);
    holder.kill(SIGKILL); // inside its handler: no ack, no close, its lease neither released nor renewed
    killed_at = herald::firestore::now_ms();
  }
  auto lease_end = stored_lease_end(topic_, held_id);
  ASSERT_TRUE(lease_end) << "message " << held_id << " is no longer stored";
  ASSERT_GT(*lease_end, killed_at) << "the lease had run out before the kill: nothing left to wait for";

  struct delivery {
    herald::message m;
    std::int64_t at; // ms since the epoch, the provider's clock, once fetch returned it
  };
  std::vector<delivery> deliveries;
  auto sub = drv_->subscribe(topic_, {});
  ASSERT_TRUE(sub);
  std::set<std::string> acked;
  auto until_lease_end = std::chrono::milliseconds{*lease_end - herald::firestore::now_ms()};
  bool all = testing_sqs::wait_until([&] {
    auto r = (*sub)->fetch(published.size(), 50ms);
    EXPECT_TRUE(r) << describe(r.error());
    if (r)
      for (auto& m : *r) {
        auto at = herald::firestore::now_ms();
        auto err = (*sub)->ack(m);
        EXPECT_FALSE(err) << describe(err);
        acked.insert(m.id);
        deliveries.push_back({std::move(m), at});
      }
    return acked.size() == published.size();
  }, until_lease_end + 10s);
  EXPECT_TRUE(all) << "the message held by the killed process never came back (lease ended "
                   << *lease_end - killed_at << " ms after the kill)";

  std::map<std::string, int> times;
  for (auto& d : deliveries)
    ++times[d.m.id];
  for (auto& [id, payload] : published)
    EXPECT_EQ(times[id], 1) << "message '" << payload << "' was delivered " << times[id] << " time(s)";
  for (auto& d : deliveries) {
    EXPECT_EQ(d.m.payload, published[d.m.id]);
    if (d.m.id == held_id) {
      EXPECT_EQ(d.m.attempt, 2u); // the killed process's delivery counts: attempts survive processes
      EXPECT_GE(d.at, *lease_end) << "delivered " << *lease_end - d.at << " ms before the killed process's lease ended";
    } else {
      EXPECT_EQ(d.m.attempt, 1u) << "the killed process took only one message";
    }
  }
  EXPECT_TRUE(fetch(**sub, 1, 2s).empty()); // all acked: none comes again
}
