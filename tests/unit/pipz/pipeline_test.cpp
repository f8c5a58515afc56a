#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

TEST(pipz_pipeline, a_pipeline_returns_its_roots_result) {
  pipeline<int> p{"orders", times("double", 2)};
  EXPECT_EQ(*p.run(4), 8);
}

TEST(pipz_pipeline, each_call_gets_a_fresh_execution_id_and_the_pipeline_id) {
  std::vector<armada::uuid> executions;
  std::vector<armada::uuid> pipelines;
  auto probe = std::make_shared<effect<int>>("probe", [&](context& ctx, const int&) {
    executions.push_back(ctx.execution_id);
    pipelines.push_back(ctx.pipeline_id);
  });
  pipeline<int> p{"orders", probe};
  context ctx;
  p.process(ctx, 1);
  p.process(ctx, 2);
  ASSERT_EQ(executions.size(), 2u);
  EXPECT_FALSE(executions[0].is_nil());
  EXPECT_NE(executions[0], executions[1]);
  EXPECT_EQ(pipelines[0], p.identity().id());
  EXPECT_EQ(pipelines[1], p.identity().id());
  EXPECT_TRUE(ctx.execution_id.is_nil()) << "the caller's context is not modified";
}

TEST(pipz_pipeline, a_pipeline_error_starts_its_path_with_the_pipeline) {
  pipeline<int> p{"orders", failing("charge", "card declined")};
  auto r = p.run(1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text().rfind("orders -> charge failed after ", 0), 0u);
  EXPECT_NE(r.error().text().find(": card declined"), std::string::npos);
}

TEST(pipz_pipeline, the_pipeline_passes_the_callers_stop_token_down) {
  std::stop_source stop;
  stop.request_stop();
  auto seq = std::make_shared<sequence<int>>("seq", sequence<int>::children_type{add("a", 1)});
  pipeline<int> p{"orders", seq};
  context ctx;
  ctx.stop = stop.get_token();
  auto r = p.process(ctx, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().canceled());
}
