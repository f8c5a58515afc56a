// Real processes on one embedded file: killed with SIGKILL mid-stream and mid-handler, and
// sharing a consumer group. The tests wait on the children's output with deadlines.

#include <set>

#include <gtest/gtest.h>

#include "armada/herald/embedded.hpp"
#include "armada/runtime/error.hpp"
#include "child_process.hpp"
#include "scratch_dir.hpp"

using namespace armada;
using namespace std::chrono_literals;
using armada::testing_embedded::child_process;
using armada::testing_embedded::scratch_dir;
using clk = std::chrono::steady_clock;

namespace {

const std::string helper = EMBEDDED_CRASH_HELPER;

/// Every message id a new group finds in `topic`.
std::set<std::string> ids_in(const std::string& url, const std::string& topic) {
  auto drv = herald::embedded::make_driver(url);
  EXPECT_TRUE(drv) << describe(drv.error());
  if (!drv)
    return {};
  herald::subscribe_options opts;
  opts.group = "audit";
  auto sub = (*drv)->subscribe(topic, opts);
  EXPECT_TRUE(sub) << describe(sub.error());
  std::set<std::string> ids;
  for (;;) {
    auto batch = (*sub)->fetch(1000, 0ms);
    EXPECT_TRUE(batch);
    if (!batch || batch->empty())
      return ids;
    for (auto& m : *batch)
      ids.insert(m.id);
  }
}

} // namespace

TEST(embedded_crash, a_publisher_killed_mid_stream_loses_nothing_it_reported_as_published) {
  scratch_dir dir;
  auto url = dir.url();
  child_process child{{helper, "publish", url, "stream", "1000000"}};
  ASSERT_TRUE(child.running());
  std::vector<std::string> reported;
  while (reported.size() < 200) {
    auto line = child.read_line(30s);
    ASSERT_TRUE(line) << "the publisher reported " << reported.size() << " messages, then stopped";
    reported.push_back(*line);
  }
  child.kill(SIGKILL); // most likely inside a publish
  while (auto line = child.read_line(5s))
    reported.push_back(*line); // what it printed before dying
  ASSERT_NE(reported.back(), "done");
  auto stored = ids_in(url, "stream");
  for (auto& id : reported)
    EXPECT_TRUE(stored.contains(id)) << id << " was reported as published but is not in the file";
  EXPECT_GE(stored.size(), reported.size());
}

TEST(embedded_crash, a_subscriber_killed_inside_its_handler_gets_its_message_redelivered_after_the_lease) {
  scratch_dir dir;
  auto url = dir.url("herald.mdb", "lease=500");
  auto drv = herald::embedded::make_driver(url);
  ASSERT_TRUE(drv) << describe(drv.error());
  herald::message m;
  m.id = "victim";
  m.topic = "orders";
  m.payload = "handle me";
  ASSERT_TRUE((*drv)->publish(m));
  std::string holding;
  {
    child_process child{{helper, "hold", url, "orders", "shipping"}};
    ASSERT_TRUE(child.running());
    auto line = child.read_line(30s);
    ASSERT_TRUE(line) << "the subscriber process never got the message";
    holding = *line;
    child.kill(SIGKILL);
  }
  EXPECT_EQ(holding, "holding victim 1");
  herald::subscribe_options opts;
  opts.group = "shipping";
  auto sub = (*drv)->subscribe("orders", opts);
  ASSERT_TRUE(sub) << describe(sub.error());
  std::vector<herald::message> got;
  auto deadline = clk::now() + 20s;
  while (got.empty() && clk::now() < deadline) {
    auto batch = (*sub)->fetch(1, 100ms);
    ASSERT_TRUE(batch) << describe(batch.error());
    got = std::move(*batch);
  }
  ASSERT_EQ(got.size(), 1u) << "the message held by the killed process never came back";
  EXPECT_EQ(got[0].id, "victim");
  EXPECT_EQ(got[0].payload, "handle me");
  EXPECT_EQ(got[0].attempt, 2u);
  EXPECT_FALSE((*sub)->ack(got[0]));
}

TEST(embedded_crash, two_processes_waiting_on_one_group_share_messages_another_process_publishes) {
  scratch_dir dir;
  auto url = dir.url("herald.mdb", "poll=5");
  // The file exists before the consumers start, so nobody races to create it.
  auto drv = herald::embedded::make_driver(url);
  ASSERT_TRUE(drv) << describe(drv.error());
  child_process a{{helper, "consume", url, "jobs", "workers"}};
  child_process b{{helper, "consume", url, "jobs", "workers"}};
  ASSERT_TRUE(a.running() && b.running());
  ASSERT_EQ(a.read_line(30s), "ready");
  ASSERT_EQ(b.read_line(30s), "ready");
  std::vector<herald::message> batch;
  for (int i = 0; i < 200; ++i) {
    herald::message m;
    m.id = "job-" + std::to_string(i);
    m.topic = "jobs";
    batch.push_back(std::move(m));
    if (batch.size() == 20) { // a few commits, so both consumers get a chance
      ASSERT_TRUE((*drv)->publish_batch(batch));
      batch.clear();
    }
  }
  std::multiset<std::string> got;
  auto deadline = clk::now() + 30s;
  while (got.size() < 200 && clk::now() < deadline)
    for (auto* child : {&a, &b})
      if (auto line = child->read_line(20ms))
        got.insert(line->substr(4)); // "got ID"
  EXPECT_EQ(got.size(), 200u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size()) << "a message went to both";
}
