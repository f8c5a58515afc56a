// The firestore driver: URL and properties, and against the Firestore emulator — leases that
// competing subscriptions never share, leases renewed while held and freed on close, ack
// deleting the document.

#include <set>

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/firestore.hpp"
#include "armada/runtime/error.hpp"
#include "sqs_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> firestore_url(const std::string& extra = {}) {
  auto url = armada::testing::servers::load().get("FIRESTORE_URL");
  if (!url)
    return std::nullopt;
  return *url + "?project=armada-unit" + extra;
}

class firestore_collection : public testing_sqs::driver_test {
protected:
  void SetUp() override {
    if (!firestore_url()) {
      auto env = armada::testing::servers::load();
      GTEST_SKIP() << env.get("FIRESTORE_UNAVAILABLE").value_or(armada::testing::servers::missing("FIRESTORE_URL"));
    }
    open(firestore_url("&lease=1500"), herald::firestore::make_driver, "fs");
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
