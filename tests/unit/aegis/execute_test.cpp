#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "armada/aegis/node.hpp"
#include "armada/aegis/testing.hpp"
#include "armada/runtime/error.hpp"

using namespace armada::aegis;
using namespace std::chrono_literals;
using armada::describe;
namespace mt = armada::aegis::testing;

namespace shop {

struct quote_request {
  std::string sku;
  int quantity = 0;
};
struct quote {
  std::string sku;
  double total = 0;
  std::string priced_by;
};
void to_json(nlohmann::json& j, const quote_request& x) { j = {{"sku", x.sku}, {"quantity", x.quantity}}; }
void from_json(const nlohmann::json& j, quote_request& x) {
  j.at("sku").get_to(x.sku);
  j.at("quantity").get_to(x.quantity);
}
void to_json(nlohmann::json& j, const quote& x) {
  j = {{"sku", x.sku}, {"total", x.total}, {"priced_by", x.priced_by}};
}
void from_json(const nlohmann::json& j, quote& x) {
  j.at("sku").get_to(x.sku);
  j.at("total").get_to(x.total);
  j.at("priced_by").get_to(x.priced_by);
}

} // namespace shop

class aegis_execute : public ::testing::Test {
protected:
  void SetUp() override {
    mesh.add_many(3);
    ASSERT_TRUE(mesh.wait_converged(10s));
  }
  node& caller() { return mesh.at(0); }
  node& callee() { return mesh.at(1); }
  mt::mesh_fixture mesh;
};

TEST_F(aegis_execute, execute_on_returns_the_typed_result_of_the_remote_function) {
  auto name = callee().name();
  callee().register_function<shop::quote_request, shop::quote>(
    "price", [name](const shop::quote_request& r) {
      return shop::quote{r.sku, 2.5 * r.quantity, name};
    });
  auto q = caller().execute_on<shop::quote>(callee().name(), "price", shop::quote_request{"A-1", 4});
  ASSERT_TRUE(q) << describe(q.error());
  EXPECT_EQ(q->sku, "A-1");
  EXPECT_DOUBLE_EQ(q->total, 10.0);
  EXPECT_EQ(q->priced_by, callee().name());
}

TEST_F(aegis_execute, a_peer_can_be_named_by_id_and_a_node_can_call_itself) {
  callee().register_function<int, int>("twice", [](int x) { return 2 * x; });
  auto by_id = caller().execute_on<int>(callee().id(), "twice", 4);
  ASSERT_TRUE(by_id) << describe(by_id.error());
  EXPECT_EQ(*by_id, 8);
  auto local = callee().execute_on<int>(callee().name(), "twice", 5);
  ASSERT_TRUE(local) << describe(local.error());
  EXPECT_EQ(*local, 10);
}

TEST_F(aegis_execute, an_unknown_function_is_a_typed_error_naming_it) {
  auto res = caller().execute_on<int>(callee().name(), "nope", 1);
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::unknown_function);
  EXPECT_NE(describe(res.error()).find("'nope'"), std::string::npos) << describe(res.error());
}

TEST_F(aegis_execute, a_slow_function_is_a_timeout) {
  callee().register_function<int, int>("slow", [](int x) {
    std::this_thread::sleep_for(600ms); // the work outlives the caller's timeout
    return x;
  });
  auto res = caller().execute_on<int>(callee().name(), "slow", 1, call_options{.timeout = 100ms});
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::timeout) << describe(res.error());
}

TEST_F(aegis_execute, an_exception_in_the_remote_function_comes_back_as_remote_exception) {
  callee().register_function<int, int>("boom", [](int) -> int { throw std::runtime_error("out of stock"); });
  auto res = caller().execute_on<int>(callee().name(), "boom", 1);
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::remote_exception);
  EXPECT_NE(describe(res.error()).find("out of stock"), std::string::npos) << describe(res.error());
}

TEST_F(aegis_execute, a_caller_missing_from_the_allow_list_is_unauthorized) {
  callee().register_function<int, int>("admin", [](int x) { return x; },
                                       function_options{.allowed_callers = {mesh.at(2).name()}});
  auto denied = caller().execute_on<int>(callee().name(), "admin", 1);
  ASSERT_FALSE(denied);
  EXPECT_EQ(code_of(denied.error()), errc::unauthorized);
  auto allowed = mesh.at(2).execute_on<int>(callee().name(), "admin", 7);
  ASSERT_TRUE(allowed) << describe(allowed.error());
  EXPECT_EQ(*allowed, 7);
}

TEST_F(aegis_execute, a_repeated_idempotency_key_returns_the_first_result_without_running_again) {
  std::atomic<int> runs{0};
  callee().register_function<int, int>("charge", [&runs](int x) { return x + 100 * ++runs; });
  call_options once{.timeout = 5s, .idempotency_key = "order-17"};
  auto first = caller().execute_on<int>(callee().name(), "charge", 1, once);
  auto second = caller().execute_on<int>(callee().name(), "charge", 1, once);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(runs.load(), 1);
  auto other = caller().execute_on<int>(callee().name(), "charge", 1);
  ASSERT_TRUE(other);
  EXPECT_EQ(runs.load(), 2);
}

TEST(aegis_execute_after_join, a_joined_node_can_call_every_member_as_soon_as_join_returns) {
  mt::mesh_fixture mesh;
  mesh.add_many(3);
  for (std::size_t i = 0; i < 3; ++i)
    mesh.at(i).register_function<int, int>("inc", [](int x) { return x + 1; });
  auto& late = mesh.add("late");
  ASSERT_TRUE(late.join(mesh.at(0).address()));
  for (std::size_t i = 0; i < 3; ++i) {
    auto res = late.execute_on<int>(mesh.at(i).name(), "inc", 1);
    ASSERT_TRUE(res) << describe(res.error());
    EXPECT_EQ(*res, 2);
  }
}

TEST_F(aegis_execute, an_unknown_peer_is_a_typed_error) {
  auto res = caller().execute_on<int>("nobody", "twice", 1);
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::unknown_peer);
}

TEST_F(aegis_execute, an_argument_of_the_wrong_type_is_a_codec_error) {
  callee().register_function<shop::quote_request, int>("count", [](const shop::quote_request& r) {
    return r.quantity;
  });
  auto res = caller().execute_on<int>(callee().name(), "count", std::string{"not json"});
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::codec) << describe(res.error());
}

TEST(aegis_execute_any, round_robin_over_the_members_declaring_the_service) {
  mt::mesh_fixture mesh;
  auto pricing = [](node_options& o) { o.services = {"pricing"}; };
  mesh.add_joined("front");
  mesh.add_joined("p1", pricing);
  mesh.add_joined("p2", pricing);
  ASSERT_TRUE(mesh.wait_converged(10s));
  for (auto* name : {"p1", "p2"}) {
    std::string n = name;
    mesh.by_name(name).register_function<int, std::string>("who", [n](int) { return n; });
  }
  std::map<std::string, int> served;
  for (int i = 0; i < 6; ++i) {
    auto res = mesh.by_name("front").execute_any<std::string>("pricing", "who", i);
    ASSERT_TRUE(res) << describe(res.error());
    ++served[*res];
  }
  EXPECT_EQ(served["p1"], 3);
  EXPECT_EQ(served["p2"], 3);
  auto none = mesh.by_name("front").execute_any<std::string>("billing", "who", 0);
  ASSERT_FALSE(none);
  EXPECT_EQ(code_of(none.error()), errc::no_provider);
}
