#include "support.hpp"

using namespace armada::pipz;
using namespace armada::pipz::test;

namespace {

std::shared_ptr<pipeline<int>> resilient_stack() {
  auto call = failing("call-api");
  auto limited = std::make_shared<rate_limiter<int>>("limit", call,
                                                     rate_limiter_options{.rate = 50, .burst = 5});
  auto breaker = std::make_shared<circuit_breaker<int>>(
      "breaker", limited, circuit_breaker_options{.failure_threshold = 4, .reset_timeout = 30s});
  auto retried = std::make_shared<retry<int>>("retry", breaker, retry_options{.max_attempts = 3});
  auto seq = std::make_shared<sequence<int>>(
      "steps", sequence<int>::children_type{add("normalize", 0), retried});
  return std::make_shared<pipeline<int>>(identity{"orders", "order intake"}, seq);
}

} // namespace

TEST(pipz_schema, the_schema_is_the_tree_of_nodes_with_types_flows_and_metadata) {
  auto p = resilient_stack();
  auto s = p->schema();
  EXPECT_EQ(s.type, "pipeline");
  EXPECT_EQ(s.name, "orders");
  EXPECT_EQ(s.description, "order intake");
  EXPECT_EQ(s.id, p->identity().id().to_string());
  ASSERT_EQ(s.children.size(), 1u);
  const auto& seq = s.children[0];
  EXPECT_EQ(seq.type, "sequence");
  EXPECT_EQ(seq.flow, "sequential");
  ASSERT_EQ(seq.children.size(), 2u);
  EXPECT_EQ(seq.children[0].type, "transform");
  EXPECT_EQ(seq.children[0].flow, "none");
  const auto& r = seq.children[1];
  EXPECT_EQ(r.type, "retry");
  EXPECT_EQ(r.metadata["max_attempts"], 3);
  const auto& b = r.children.at(0);
  EXPECT_EQ(b.type, "circuit_breaker");
  EXPECT_EQ(b.metadata["failure_threshold"], 4);
  EXPECT_EQ(b.metadata["reset_timeout_ms"], 30000);
  const auto& l = b.children.at(0);
  EXPECT_EQ(l.type, "rate_limiter");
  EXPECT_EQ(l.metadata["rate"], 50.0);
  EXPECT_EQ(l.metadata["burst"], 5);
  EXPECT_EQ(l.metadata["mode"], "wait");
  EXPECT_EQ(l.children.at(0).type, "apply");
}

TEST(pipz_schema, a_schema_survives_a_json_round_trip) {
  auto s = resilient_stack()->schema();
  auto text = dump_schema(s);
  auto back = parse_schema(text);
  EXPECT_EQ(back, s);
  EXPECT_EQ(dump_schema(back), text);
}

TEST(pipz_schema, the_json_form_uses_the_documented_keys) {
  auto s = resilient_stack()->schema();
  nlohmann::json j = s;
  EXPECT_EQ(j["type"], "pipeline");
  EXPECT_EQ(j["name"], "orders");
  EXPECT_EQ(j["flow"], "wrap");
  EXPECT_TRUE(j["metadata"].is_object());
  EXPECT_EQ(j["children"][0]["children"][1]["metadata"]["max_attempts"], 3);
  EXPECT_FALSE(j.contains("role"));
}

TEST(pipz_schema, children_roles_name_fallbacks_and_switch_routes) {
  fallback<int> f{"f", {add("main", 1), add("spare", 2)}};
  auto fs = f.schema();
  EXPECT_EQ(fs.children[0].role, "primary");
  EXPECT_EQ(fs.children[1].role, "fallback");
  switch_<int, int> sw{"sw", [](context&, const int& x) { return x; }};
  sw.add_route(7, add("seven", 7));
  sw.set_default(add("other", 0));
  auto ss = sw.schema();
  EXPECT_EQ(ss.type, "switch");
  ASSERT_EQ(ss.children.size(), 2u);
  EXPECT_EQ(ss.children[0].role, "7");
  EXPECT_EQ(ss.children[1].role, "default");
  EXPECT_EQ(parse_schema(dump_schema(ss)), ss);
}

TEST(pipz_schema, parsing_names_the_missing_key) {
  try {
    parse_schema(R"({"id": "x", "type": "transform"})");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string{e.what()}.find("\"name\""), std::string::npos);
  }
}

TEST(pipz_schema, parsing_malformed_json_is_an_invalid_argument) {
  EXPECT_THROW(parse_schema("{not json"), std::invalid_argument);
}

TEST(pipz_schema, every_time_dependent_node_reports_its_durations_in_milliseconds) {
  auto clock = std::make_shared<armada::manual_clock>();
  timeout<int> t{"t", add("a", 1), 250ms, {.clock = clock}};
  EXPECT_EQ(t.schema().metadata["timeout_ms"], 250);
  backoff<int> b{"b", add("a", 1), {.max_attempts = 4, .base_delay = 20ms, .max_delay = 2s}};
  auto bs = b.schema();
  EXPECT_EQ(bs.metadata["base_delay_ms"], 20);
  EXPECT_EQ(bs.metadata["max_delay_ms"], 2000);
  EXPECT_EQ(bs.metadata["max_attempts"], 4);
}
