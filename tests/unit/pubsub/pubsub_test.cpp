// The pubsub driver: URL and properties, and against the Pub/Sub emulator — a binary payload
// with metadata, groups each reading every message, nack with a counted attempt, close, the ack
// deadline extended for a slow handler.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/pubsub.hpp"
#include "armada/runtime/error.hpp"
#include "sqs_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> pubsub_url() {
  auto url = armada::testing::servers::load().get("PUBSUB_URL");
  if (!url)
    return std::nullopt;
  return *url + "?project=armada-unit";
}

std::string why_no_pubsub() {
  auto env = armada::testing::servers::load();
  return env.get("PUBSUB_UNAVAILABLE").value_or(armada::testing::servers::missing("PUBSUB_URL"));
}

class pubsub_topic : public testing_sqs::driver_test {
protected:
  void SetUp() override {
    if (!pubsub_url())
      GTEST_SKIP() << why_no_pubsub();
    open(pubsub_url(), herald::pubsub::make_driver, "ps");
  }
};

} // namespace

TEST(pubsub_url, a_missing_project_or_a_bad_property_is_a_config_error_naming_it) {
  ::unsetenv("PUBSUB_PROJECT_ID");
  auto a = herald::pubsub::make_driver("pubsub://127.0.0.1:8085");
  ASSERT_FALSE(a);
  EXPECT_NE(describe(a.error()).find("PUBSUB_PROJECT_ID"), std::string::npos) << describe(a.error());
  auto b = herald::pubsub::make_driver("pubsub://127.0.0.1:8085?project=p&ack-deadline=5");
  ASSERT_FALSE(b);
  EXPECT_NE(describe(b.error()).find("'ack-deadline'"), std::string::npos) << describe(b.error());
  auto c = herald::pubsub::make_driver("http://127.0.0.1:8085?project=p");
  ASSERT_FALSE(c);
  EXPECT_NE(describe(c.error()).find("pubsub://host:port?project=NAME"), std::string::npos);
}

TEST_F(pubsub_topic, each_group_reads_every_message_with_its_binary_payload_and_metadata) {
  auto a = drv_->subscribe(topic_, {.group = "a"});
  auto b = drv_->subscribe(topic_, {.group = "b"});
  ASSERT_TRUE(a) << describe(a.error());
  ASSERT_TRUE(b) << describe(b.error());
  auto m = msg(std::string{"\0\xff bytes", 8});
  m.key = "k";
  m.metadata["x-custom"] = "value";
  auto r = drv_->publish(m);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_FALSE(r->broker.empty());
  for (auto* sub : {a->get(), b->get()}) {
    auto got = fetch(*sub, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, m.id);
    EXPECT_EQ(got[0].key, "k");
    EXPECT_EQ(got[0].payload, m.payload);
    EXPECT_EQ(got[0].metadata, m.metadata);
    EXPECT_FALSE(sub->ack(got[0]));
  }
}

TEST_F(pubsub_topic, a_nack_redelivers_with_the_next_attempt_and_close_releases_what_is_held) {
  auto sub = drv_->subscribe(topic_, {});
  ASSERT_TRUE(sub) << describe(sub.error());
  ASSERT_TRUE(drv_->publish(msg("again")));
  auto first = fetch(**sub, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].attempt, 1u);
  ASSERT_FALSE((*sub)->nack(first[0], 0ms));
  auto second = fetch(**sub, 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2u);
  (*sub)->close();
  auto next = drv_->subscribe(topic_, {});
  ASSERT_TRUE(next);
  auto third = fetch(**next, 1, 5s); // well inside the 30 s ack deadline: only close explains it
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].id, first[0].id);
}

TEST_F(pubsub_topic, a_batch_of_many_messages_arrives_complete) {
  auto sub = drv_->subscribe(topic_, {});
  ASSERT_TRUE(sub);
  std::vector<herald::message> batch;
  for (int i = 0; i < 50; ++i)
    batch.push_back(msg(std::to_string(i)));
  auto r = drv_->publish_batch(batch);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->size(), 50u);
  EXPECT_EQ(fetch(**sub, 50).size(), 50u);
}

TEST_F(pubsub_topic, a_slow_handler_keeps_its_message_past_the_ack_deadline_and_gets_it_once) {
  auto d = herald::pubsub::make_driver(*pubsub_url() + "&ack-deadline=10000"); // Pub/Sub's shortest
  ASSERT_TRUE(d) << describe(d.error());
  auto slow = (*d)->subscribe(topic_, {.group = "g"});
  auto other = (*d)->subscribe(topic_, {.group = "g"});
  ASSERT_TRUE(slow && other);
  ASSERT_TRUE((*d)->publish(msg("slow")));
  auto held = fetch(**slow, 1);
  ASSERT_EQ(held.size(), 1u);
  caf::error acked;
  // 1.6 times the deadline: without the extension the other subscription would get it.
  auto stolen = compete_with_slow_handler(**slow, held[0], **other, 16s, acked);
  EXPECT_TRUE(stolen.empty()) << "the competing subscription got " << stolen.size() << " message(s)";
  EXPECT_FALSE(acked) << describe(acked);
  EXPECT_TRUE(fetch(**other, 1, 2s).empty());
  EXPECT_TRUE(fetch(**slow, 1, 1s).empty());
  (*d)->close();
}
