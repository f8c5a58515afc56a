// `armada inspect` of a service: a node exposes its service view (capitan signals, herald
// bridges, ago sagas) as `armada.inspect`, and an inspector outside the mesh reads it.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "armada/aegis/errc.hpp"
#include "armada/aegis/inspector.hpp"
#include "armada/aegis/service_view.hpp"
#include "armada/ago/store.hpp"
#include "armada/herald/memory.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/testing.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace svc {

struct job {
  std::string id;
  bool fail = false;
};
void to_json(nlohmann::json& j, const job& x) { j = {{"id", x.id}, {"fail", x.fail}}; }
void from_json(const nlohmann::json& j, job& x) {
  j.at("id").get_to(x.id);
  j.at("fail").get_to(x.fail);
}

const capitan::signal order_placed{"svc.order_placed", "an order came in"};
const capitan::signal order_shipped{"svc.order_shipped", "an order went out"};
const capitan::key<std::string> order_id{"order_id"};

} // namespace svc

class aegis_service_view : public ::testing::Test {
protected:
  void SetUp() override {
    auto n = aegis::node::start({.name = "shop"});
    ASSERT_TRUE(n) << describe(n.error());
    node = std::move(*n);
    rt = runtime::start(std::make_unique<config>());
    bus = std::make_unique<capitan::instance>(rt->system());
    auto c = herald::memory::connect(rt->system(), "memory://service-view");
    ASSERT_TRUE(c) << describe(c.error());
    conn = *c;
  }
  void TearDown() override {
    if (node)
      node->stop(false);
  }

  std::unique_ptr<aegis::node> node;
  std::unique_ptr<runtime> rt;
  std::unique_ptr<capitan::instance> bus;
  herald::connection conn;
  aegis::inspector insp;
};

TEST_F(aegis_service_view, inspect_shows_the_services_signals_bridges_and_sagas) {
  // Orders come in over a bridge; sagas run for them; shipped orders go out over a bridge.
  auto out = herald::bridge_out(*bus, conn, svc::order_shipped, "shipped", {});
  ASSERT_TRUE(out) << describe(out.error());
  auto in = herald::bridge_in(conn, "orders", *bus, svc::order_placed, {.group = "shop"});
  ASSERT_TRUE(in) << describe(in.error());
  ago::engine engine{rt->system(), ago::make_memory_store(), {.owner = "shop", .events = bus.get()}};
  ago::saga<svc::job> saga{"shipping"};
  saga.step("pack", ago::local<svc::job>([](const ago::step_context&, svc::job& j) -> pipz::status {
              if (j.fail)
                return pipz::fail("the packer is out of boxes");
              return {};
            }),
            ago::local<svc::job>([](const ago::step_context&, svc::job&) {}));
  engine.add(saga);
  std::atomic<int> finished{0};
  auto on_order = bus->hook(svc::order_placed, [&](const capitan::event& e) {
    auto id = svc::order_id.from(e).value_or("?");
    auto started = engine.start<svc::job>("shipping", svc::job{id, id == "o-3"}, {.id = id});
    if (!started)
      throw std::runtime_error{describe(started.error())};
    ASSERT_TRUE(engine.wait(*started, 10s));
    bus->emit(svc::order_shipped, svc::order_id(id));
    ++finished;
  });
  auto view = std::make_shared<aegis::service_view>("shop");
  view->events(*bus).bridge("orders in", *in).bridge("shipped out", *out).sagas(engine);
  aegis::expose(*node, view);

  capitan::instance sender{rt->system()};
  auto to_orders = herald::bridge_out(sender, conn, svc::order_placed, "orders", {});
  ASSERT_TRUE(to_orders);
  for (auto id : {"o-1", "o-2", "o-3"})
    sender.emit(svc::order_placed, svc::order_id(id));
  ASSERT_TRUE(armada::testing::wait_until([&] { return finished.load() == 3; }, 10s));
  ASSERT_TRUE(out->flush(10s));
  ASSERT_TRUE(armada::testing::wait_until([&] { return in->state() && in->state()->acked == 3; }, 10s));

  auto r = aegis::inspect_service(insp, "127.0.0.1", node->port());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->service, "shop");
  auto sig = std::find_if(r->signals.begin(), r->signals.end(), [](auto& s) { return s.name == "svc.order_shipped"; });
  ASSERT_NE(sig, r->signals.end());
  EXPECT_EQ(sig->emitted, 3u);
  EXPECT_GE(sig->listeners, 1u); // the outbound bridge's hook
  ASSERT_EQ(r->bridges.size(), 2u);
  auto& b_out = r->bridges[0].direction == "out" ? r->bridges[0] : r->bridges[1];
  auto& b_in = r->bridges[0].direction == "in" ? r->bridges[0] : r->bridges[1];
  EXPECT_EQ(b_out.name, "shipped out");
  EXPECT_EQ(b_out.published, 3u);
  EXPECT_EQ(b_in.name, "orders in");
  EXPECT_EQ(b_in.topic, "orders");
  EXPECT_EQ(b_in.received, 3u);
  EXPECT_EQ(b_in.acked, 3u);
  EXPECT_EQ(r->sagas_by_state["completed"], 2u);
  EXPECT_EQ(r->sagas_by_state["failed"], 1u);
  EXPECT_TRUE(r->open_sagas.empty());
  EXPECT_TRUE(r->errors.empty());
  // The node view lists the function, so `armada inspect` knows to ask for the service.
  auto st = insp.state("127.0.0.1", node->port());
  ASSERT_TRUE(st);
  EXPECT_NE(std::find(st->functions.begin(), st->functions.end(), aegis::inspect_function), st->functions.end());

  to_orders->close();
  in->close();
  out->close();
  node->unregister(aegis::inspect_function);
}

TEST_F(aegis_service_view, a_bridge_that_closed_is_reported_with_the_reason_not_a_failure_of_the_whole_view) {
  auto in = herald::bridge_in(conn, "orders", *bus, svc::order_placed, {.group = "shop"});
  ASSERT_TRUE(in);
  auto view = std::make_shared<aegis::service_view>("shop");
  view->events(*bus).bridge("orders in", *in);
  aegis::expose(*node, view);
  in->close();
  auto r = aegis::inspect_service(insp, "127.0.0.1", node->port());
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->bridges.size(), 1u);
  EXPECT_FALSE(r->bridges[0].error.empty());
}

TEST_F(aegis_service_view, a_node_without_a_service_view_answers_unknown_function_naming_the_fix) {
  auto r = aegis::inspect_service(insp, "127.0.0.1", node->port());
  ASSERT_FALSE(r);
  EXPECT_EQ(aegis::code_of(r.error()), aegis::errc::unknown_function);
  EXPECT_NE(describe(r.error()).find("armada.inspect"), std::string::npos) << describe(r.error());
  EXPECT_NE(describe(r.error()).find("register"), std::string::npos) << describe(r.error());
}
