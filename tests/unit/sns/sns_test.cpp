// The sns driver against moto_server: publish and batch publish, attributes and binary
// payloads through the SQS fan-out, one queue per group, and the fan_out helper.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/sns.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "sqs_fixture.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> sns_url() {
  auto sqs = testing_sqs::sqs_url();
  if (!sqs)
    return std::nullopt;
  return "sns" + sqs->substr(3);
}

class sns_topic : public testing_sqs::driver_test {
protected:
  void SetUp() override { open(sns_url(), herald::sns::make_driver, "sns"); }
};

} // namespace

TEST_F(sns_topic, each_group_reads_every_message_with_its_metadata_and_binary_payload) {
  auto billing = drv_->subscribe(topic_, {.group = "billing"});
  auto shipping = drv_->subscribe(topic_, {.group = "shipping"});
  ASSERT_TRUE(billing) << describe(billing.error());
  ASSERT_TRUE(shipping) << describe(shipping.error());
  auto m = msg(std::string{"\0\xff bin", 6});
  m.key = "k1";
  m.metadata["x-custom"] = "value";
  auto r = drv_->publish(m);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_FALSE(r->broker.empty());
  for (auto* sub : {billing->get(), shipping->get()}) {
    auto got = fetch(*sub, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, m.id);
    EXPECT_EQ(got[0].key, "k1");
    EXPECT_EQ(got[0].payload, m.payload);
    EXPECT_EQ(got[0].meta("x-custom"), "value");
    EXPECT_EQ(got[0].topic, topic_);
    EXPECT_FALSE(sub->ack(got[0]));
  }
}

TEST_F(sns_topic, a_batch_publish_reaches_the_queue_complete) {
  auto sub = drv_->subscribe(topic_, {});
  ASSERT_TRUE(sub) << describe(sub.error());
  std::vector<herald::message> batch;
  for (int i = 0; i < 15; ++i)
    batch.push_back(msg("b" + std::to_string(i)));
  auto r = drv_->publish_batch(batch);
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 15u);
  EXPECT_FALSE(r->back().broker.empty());
  EXPECT_EQ(fetch(**sub, 15).size(), 15u);
}

TEST_F(sns_topic, fan_out_lets_an_sqs_connection_read_the_topic) {
  auto queue_topic = topic_ + "-audit";
  auto arn = herald::sns::fan_out(*sns_url(), topic_, queue_topic);
  ASSERT_TRUE(arn) << describe(arn.error());
  EXPECT_FALSE(arn->empty());
  auto sqs = herald::sqs::make_driver(*testing_sqs::sqs_url());
  ASSERT_TRUE(sqs) << describe(sqs.error());
  auto sub = (*sqs)->subscribe(queue_topic, {});
  ASSERT_TRUE(sub) << describe(sub.error());
  auto sent = msg("via sns");
  ASSERT_TRUE(drv_->publish(sent));
  auto got = fetch(**sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, sent.id);
  EXPECT_EQ(got[0].payload, "via sns");
}

TEST_F(sns_topic, a_wrong_scheme_is_a_config_error_naming_the_sns_form) {
  auto d = herald::sns::make_driver("sqs" + sns_url()->substr(3));
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), herald::errc::config);
  EXPECT_NE(describe(d.error()).find("sns://host:port"), std::string::npos) << describe(d.error());
}
