#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

using steps = sequence<int>::children_type;

/// A node that counts close() calls.
class closable final : public node<int> {
public:
  closable()
    : node<int>("closable") {}
  result<int> process(context&, int x) override { return x; }
  schema_node schema() const override { return schema_node::of(id_, "closable"); }
  void close() override { ++closes; }
  int closes = 0;
};

} // namespace

TEST(pipz_sequence, a_sequence_runs_its_children_in_order_on_each_output) {
  sequence<int> seq{"calc", steps{times("double", 2), add("plus-one", 1)}};
  context ctx;
  EXPECT_EQ(*seq.process(ctx, 5), 11);
}

TEST(pipz_sequence, an_empty_sequence_returns_its_input) {
  sequence<int> seq{"empty"};
  context ctx;
  EXPECT_EQ(*seq.process(ctx, 5), 5);
}

TEST(pipz_sequence, a_sequence_stops_at_the_first_error) {
  int later = 0;
  auto count = std::make_shared<effect<int>>("count", [&later](context&, const int&) { ++later; });
  sequence<int> seq{"s", steps{add("a", 1), failing("b"), count}};
  context ctx;
  auto r = seq.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().input(), 2);
  EXPECT_EQ(later, 0);
}

TEST(pipz_sequence, a_sequence_stops_between_steps_once_stop_is_requested) {
  std::stop_source stop;
  int later = 0;
  auto cancel = std::make_shared<effect<int>>(
      "cancel", [&stop](context&, const int&) { stop.request_stop(); });
  auto count = std::make_shared<effect<int>>("count", [&later](context&, const int&) { ++later; });
  sequence<int> seq{"s", steps{add("a", 1), cancel, count}};
  context ctx;
  ctx.stop = stop.get_token();
  auto r = seq.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().canceled());
  EXPECT_TRUE(r.error().is<causes::canceled>());
  EXPECT_EQ(r.error().input(), 2);
  EXPECT_EQ(later, 0);
}

TEST(pipz_sequence, push_appends_and_unshift_prepends) {
  sequence<int> seq{"s", steps{add("plus-one", 1)}};
  seq.push(times("double", 2), add("plus-ten", 10));
  seq.unshift(times("triple", 3));
  EXPECT_EQ(seq.names(), (std::vector<std::string>{"triple", "plus-one", "double", "plus-ten"}));
  context ctx;
  EXPECT_EQ(*seq.process(ctx, 1), ((1 * 3) + 1) * 2 + 10);
}

TEST(pipz_sequence, remove_drops_the_named_child_and_reports_unknown_names) {
  sequence<int> seq{"s", steps{add("a", 1), add("b", 10)}};
  EXPECT_TRUE(seq.remove("b"));
  EXPECT_FALSE(seq.remove("b"));
  context ctx;
  EXPECT_EQ(*seq.process(ctx, 0), 1);
}

TEST(pipz_sequence, replace_swaps_the_named_child) {
  sequence<int> seq{"s", steps{add("a", 1), add("b", 10)}};
  EXPECT_TRUE(seq.replace("b", add("b", 100)));
  EXPECT_FALSE(seq.replace("missing", add("x", 0)));
  context ctx;
  EXPECT_EQ(*seq.process(ctx, 0), 101);
}

TEST(pipz_sequence, before_and_after_insert_next_to_the_named_child) {
  sequence<int> seq{"s", steps{add("middle", 1)}};
  EXPECT_TRUE(seq.before("middle", times("first", 10)));
  EXPECT_TRUE(seq.after("middle", times("last", 3)));
  EXPECT_FALSE(seq.after("missing", add("x", 0)));
  EXPECT_EQ(seq.names(), (std::vector<std::string>{"first", "middle", "last"}));
  context ctx;
  EXPECT_EQ(*seq.process(ctx, 2), (2 * 10 + 1) * 3);
}

TEST(pipz_sequence, a_running_call_finishes_on_the_children_it_started_with) {
  gate entered, release;
  auto seq = std::make_shared<sequence<int>>(
      "s", steps{blocking("wait", entered, release), add("plus-ten", 10)});
  auto running = process_async(seq, 0);
  ASSERT_TRUE(entered.wait());
  EXPECT_TRUE(seq->remove("plus-ten"));
  release.open();
  ASSERT_TRUE(ready(running));
  EXPECT_EQ(*running.get(), 11);
  context ctx;
  EXPECT_EQ(*seq->process(ctx, 0), 1);
}

TEST(pipz_sequence, close_closes_every_child) {
  auto a = std::make_shared<closable>();
  auto b = std::make_shared<closable>();
  sequence<int> seq{"s", steps{a, b}};
  seq.close();
  EXPECT_EQ(a->closes, 1);
  EXPECT_EQ(b->closes, 1);
}
