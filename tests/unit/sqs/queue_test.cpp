// The sqs driver against moto_server: queues created if missing, send and batch send, receive,
// delete (ack), ChangeMessageVisibility (nack and close), visibility extension, receive count.

#include <map>

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "sqs_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_sqs::sqs_url;

namespace {

class sqs_queue : public testing_sqs::driver_test {
protected:
  void SetUp() override { open(sqs_url("&visibility-timeout=2000"), herald::sqs::make_driver, "unit"); }

  std::unique_ptr<herald::subscription_driver> subscribe() {
    auto s = drv_->subscribe(topic_, {});
    EXPECT_TRUE(s) << describe(s.error());
    return s ? std::move(*s) : nullptr;
  }
};

} // namespace

TEST_F(sqs_queue, a_published_message_is_received_once_and_gone_after_ack) {
  auto sub = subscribe(); // creates the queue
  auto sent = msg("hello sqs");
  sent.metadata["x-custom"] = "value";
  auto r = drv_->publish(sent);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_FALSE(r->broker.empty()); // SQS's MessageId
  auto got = fetch(*sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, sent.id);
  EXPECT_EQ(got[0].payload, "hello sqs");
  EXPECT_EQ(got[0].meta("x-custom"), "value");
  EXPECT_EQ(got[0].attempt, 1u);
  ASSERT_FALSE(sub->ack(got[0]));
  // Past the visibility timeout (2 s), an acked message does not come back.
  EXPECT_TRUE(fetch(*sub, 1, 3s).empty());
}

TEST_F(sqs_queue, a_nack_without_delay_redelivers_at_once_with_the_next_attempt) {
  auto sub = subscribe();
  ASSERT_TRUE(drv_->publish(msg("again")));
  auto first = fetch(*sub, 1);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_FALSE(sub->nack(first[0], 0ms));
  auto second = fetch(*sub, 1, 1500ms); // well inside the 2 s visibility timeout
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].attempt, 2u);
}

TEST_F(sqs_queue, a_nack_with_a_delay_keeps_the_message_invisible_for_it) {
  auto sub = subscribe();
  ASSERT_TRUE(drv_->publish(msg("later")));
  auto first = fetch(*sub, 1);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_FALSE(sub->nack(first[0], 3s));
  EXPECT_TRUE(fetch(*sub, 1, 1500ms).empty()); // a window: still hidden
  auto second = fetch(*sub, 1, 10s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2u);
}

TEST_F(sqs_queue, closing_a_subscription_makes_what_it_held_visible_at_once) {
  auto sub = subscribe();
  ASSERT_TRUE(drv_->publish(msg("held")));
  ASSERT_EQ(fetch(*sub, 1).size(), 1u);
  sub->close();
  sub->close(); // idempotent
  auto next = subscribe();
  auto got = fetch(*next, 1, 1500ms); // inside the visibility timeout: only close can explain it
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attempt, 2u);
  EXPECT_EQ(herald::code_of(sub->fetch(1, 10ms).error()), herald::errc::closed);
}

TEST_F(sqs_queue, a_slow_handler_keeps_its_message_invisible_past_the_visibility_timeout) {
  auto slow = subscribe();
  ASSERT_TRUE(drv_->publish(msg("slow")));
  auto held = fetch(*slow, 1);
  ASSERT_EQ(held.size(), 1u);
  auto other = subscribe();
  // Twice the 2 s visibility timeout: without extension the other subscription would get it.
  EXPECT_TRUE(fetch(*other, 1, 4500ms).empty());
  ASSERT_FALSE(slow->ack(held[0]));
}

TEST_F(sqs_queue, a_batch_across_topics_is_sent_in_chunks_of_ten_and_all_arrive) {
  auto sub = subscribe();
  auto other_topic = topic_ + "-b";
  std::vector<herald::message> batch;
  for (int i = 0; i < 25; ++i) {
    auto m = msg("m" + std::to_string(i));
    if (i % 5 == 4)
      m.topic = other_topic;
    batch.push_back(m);
  }
  auto r = drv_->publish_batch(batch);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 25u);
  for (std::size_t i = 0; i < r->size(); ++i)
    EXPECT_EQ((*r)[i].id, batch[i].id);
  auto got = fetch(*sub, 20);
  EXPECT_EQ(got.size(), 20u);
  auto s2 = drv_->subscribe(other_topic, {});
  ASSERT_TRUE(s2);
  EXPECT_EQ(fetch(**s2, 5).size(), 5u);
}

TEST_F(sqs_queue, a_binary_payload_with_many_metadata_survives_the_round_trip) {
  auto sub = subscribe();
  auto m = msg(std::string{"\0\xff\x01 bytes", 9});
  for (int i = 0; i < 14; ++i)
    m.metadata["k" + std::to_string(i)] = "v" + std::to_string(i);
  ASSERT_TRUE(drv_->publish(m));
  auto got = fetch(*sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, m.payload);
  EXPECT_EQ(got[0].metadata, m.metadata);
}

TEST_F(sqs_queue, ping_is_a_real_round_trip_and_fails_after_close) {
  auto p = drv_->ping();
  ASSERT_TRUE(p) << describe(p.error());
  drv_->close();
  auto q = drv_->ping();
  ASSERT_FALSE(q);
  EXPECT_EQ(herald::code_of(q.error()), herald::errc::closed);
}

TEST(sqs_fifo, keeps_per_key_order_and_drops_a_duplicate_id) {
  auto url = sqs_url("&visibility-timeout=5000&fifo=true");
  if (!url)
    GTEST_SKIP() << testing_sqs::why_no_sqs();
  auto d = herald::sqs::make_driver(*url);
  ASSERT_TRUE(d) << describe(d.error());
  auto topic = "fifo." + uuid::random().to_string().substr(0, 8);
  auto sub = (*d)->subscribe(topic, {});
  ASSERT_TRUE(sub) << describe(sub.error());
  std::vector<herald::message> batch;
  for (int i = 0; i < 20; ++i) {
    herald::message m;
    m.id = uuid::random().to_string();
    m.topic = topic;
    m.key = i % 2 ? "odd" : "even";
    m.payload = std::to_string(i);
    batch.push_back(m);
  }
  ASSERT_TRUE((*d)->publish_batch(batch));
  ASSERT_TRUE((*d)->publish(batch[0])); // the same id again: deduplicated
  std::vector<herald::message> got;
  testing_sqs::wait_until([&] {
    auto r = (*sub)->fetch(10, 50ms);
    if (r)
      for (auto& m : *r) {
        EXPECT_FALSE((*sub)->ack(m));
        got.push_back(m);
      }
    return got.size() >= 20;
  });
  ASSERT_EQ(got.size(), 20u);
  std::map<std::string, int> last{{"odd", -1}, {"even", -1}};
  for (auto& m : got) {
    EXPECT_GT(std::stoi(m.payload), last[m.key]) << m.key;
    last[m.key] = std::stoi(m.payload);
  }
  EXPECT_TRUE((*sub)->fetch(10, 1500ms)->empty()); // the duplicate never came
  (*d)->close();
}
