#include "service.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

#include "armada/ago.hpp"
#include "armada/herald.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/herald/embedded.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "ledger.hpp"

namespace armada::chaos {

using namespace std::chrono_literals;

namespace {

/// What an order saga carries: the id of the message that started it.
struct order {
  std::string id;
};
void to_json(nlohmann::json& j, const order& o) {
  j = nlohmann::json{{"id", o.id}};
}
void from_json(const nlohmann::json& j, order& o) {
  o.id = j.at("id").get<std::string>();
}

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

/// Ends with the chaos program (a killed program leaves no service behind): a watcher thread
/// looks for a new parent twice a second. (PR_SET_PDEATHSIG would fire when the program's
/// thread that started this process ends, not the program.)
void die_with_parent() {
  std::thread{[parent = ::getppid()] {
    while (::getppid() == parent)
      std::this_thread::sleep_for(500ms);
    std::_Exit(3);
  }}.detach();
}

std::shared_ptr<ago::saga_store> open_store(const std::string& path) {
  auto store =
      ago::make_embedded_store({.path = path, .fsync = false}); // SIGKILL-safe without fsync
  if (!store)
    throw std::runtime_error{describe(store.error())};
  return *store;
}

/// Connects to the provider of `url` (embedded, redis, jetstream or amqp), retrying while the
/// broker is down (it may be restarting).
herald::connection connect_until_up(caf::actor_system& sys, const std::string& url) {
  using connect_fn = caf::expected<herald::connection> (*)(caf::actor_system&, std::string_view);
  static const std::map<std::string, connect_fn> providers{
      {"embedded", &herald::embedded::connect},
      {"redis", &herald::redis::connect},
      {"jetstream", &herald::jetstream::connect},
      {"amqp", &herald::amqp::connect}};
  auto provider = providers.find(url.substr(0, url.find("://")));
  if (provider == providers.end())
    throw std::invalid_argument{"armada_chaos: '" + url +
                                "' names no provider of the chaos program"};
  for (bool first = true;; first = false) {
    auto conn = provider->second(sys, url);
    if (conn)
      return *conn;
    if (first)
      std::fprintf(stderr, "armada_chaos service: %s (retrying until it is back)\n",
                   describe(conn.error()).c_str());
    std::this_thread::sleep_for(200ms); // retry pacing while the broker restarts
  }
}

/// The order saga: reserve → charge → ship; shipping fails for every 4th order (by its
/// number), which compensates charge and reserve. Every effect is applied once per key.
ago::saga<order> order_saga(testing_support::effect_ledger& effects,
                            testing_support::ledger_file& retried) {
  auto effect = [&effects, &retried](const ago::step_context& ctx, order&) {
    if (!effects.apply(ctx.idempotency_key))
      retried.append(
          ctx.idempotency_key);       // a kill landed between the effect and the saga's log write
    std::this_thread::sleep_for(2ms); // the "work" a kill interrupts
  };
  ago::step_options retry;
  retry.compensation_retry.base_delay = 1ms;
  ago::saga<order> s{"order"};
  s.step("reserve", ago::local<order>(effect), ago::local<order>(effect), retry)
      .step("charge", ago::local<order>(effect), ago::local<order>(effect), retry)
      .step("ship",
            ago::local<order>([effect](const ago::step_context& ctx, order& o) -> pipz::status {
              if (std::stoll(o.id.substr(o.id.rfind('-') + 1)) % 4 == 0)
                return pipz::fail("no courier");
              effect(ctx, o);
              return {};
            }));
  return s;
}

/// A saga engine on DIR/sagas.mdb with the order saga, its unfinished sagas resumed.
struct saga_host {
  explicit saga_host(caf::actor_system& sys, const std::string& dir)
    : effects(dir + "/effects")
    , retried(dir + "/retried")
    , events(sys)
    , store(open_store(dir + "/sagas.mdb"))
    , engine(sys, store, options(events)) {
    engine.add(order_saga(effects, retried));
    auto resumed = engine.recover();
    if (!resumed)
      throw std::runtime_error{"recover: " + describe(resumed.error())};
    recovered = *resumed;
  }

  static ago::engine_options options(capitan::instance& events) {
    ago::engine_options o;
    o.events = &events;
    o.owner = "chaos-consumer"; // stable: a restarted consumer resumes its sagas at once
    return o;
  }

  testing_support::effect_ledger effects;
  testing_support::ledger_file retried;
  capitan::instance events;
  std::shared_ptr<ago::saga_store> store;
  ago::engine engine;
  std::size_t recovered = 0;
};

void wait_forever() {
  std::mutex mtx;
  std::condition_variable cv;
  std::unique_lock lock{mtx};
  cv.wait(lock, [] { return false; }); // until SIGKILL
}

} // namespace

int run_publisher(const std::string& url, const std::string& topic, const std::string& ledger,
                  const std::string& name, int rate) {
  die_with_parent();
  auto rt = runtime::start(std::make_unique<config>());
  auto conn = connect_until_up(rt->system(), url);
  testing_support::ledger_file published{ledger};
  auto run = uuid::random().to_string().substr(0, 8); // ids stay unique across restarts
  say("ready");
  auto next = std::chrono::steady_clock::now();
  for (long n = 1;; ++n) {
    herald::message m;
    m.topic = topic;
    m.payload = name + "-" + run + "-" + std::to_string(n);
    m.id = m.payload;
    m.key = "k" + std::to_string(n % 8);
    while (!conn.publish(m, 5s))
      std::this_thread::sleep_for(50ms); // retry pacing while the broker is away
    published.append(m.payload);         // only after the broker acknowledged it
    next += std::chrono::milliseconds{1000 / rate};
    std::this_thread::sleep_until(next); // the publish rate
  }
}

int run_consumer(const std::string& url, const std::string& topic, const std::string& dir) {
  die_with_parent();
  auto rt = runtime::start(std::make_unique<config>());
  saga_host host{rt->system(), dir};
  testing_support::ledger_file delivered{dir + "/delivered"};
  auto conn = connect_until_up(rt->system(), url);
  herald::subscriber_options opts;
  opts.group = "chaos";
  opts.prefetch = 16;
  opts.max_deliveries = 1000000; // never dead-letter: a failed start is retried
  auto handler = [&](const herald::message& m) {
    delivered.append(m.payload);
    auto id =
        host.engine.start<order>("order", order{m.payload}, {.id = m.payload, .durable = true});
    if (!id)
      throw std::runtime_error{"start: " + describe(id.error())}; // nacked: delivered again
  };
  caf::expected<herald::subscription> sub{caf::error{}};
  for (bool first = true;; first = false) {
    sub = herald::subscribe(conn, topic, handler, opts);
    if (sub)
      break;
    if (first)
      std::fprintf(stderr, "armada_chaos consumer: %s (retrying until it is back)\n",
                   describe(sub.error()).c_str());
    std::this_thread::sleep_for(200ms); // retry pacing while the broker restarts
  }
  say("ready " + std::to_string(host.recovered));
  wait_forever();
  return 0;
}

int run_recovery(const std::string& dir) {
  die_with_parent();
  auto rt = runtime::start(std::make_unique<config>());
  saga_host host{rt->system(), dir};
  auto all = host.engine.list();
  if (!all) {
    std::fprintf(stderr, "list: %s\n", describe(all.error()).c_str());
    return 1;
  }
  for (const auto& r : *all) {
    if (ago::is_terminal(r.state))
      continue;
    if (auto out = host.engine.wait(r.id, 120s); !out) {
      std::fprintf(stderr, "saga %s did not finish: %s\n", r.id.c_str(),
                   describe(out.error()).c_str());
      return 1;
    }
  }
  say("recovered " + std::to_string(host.recovered));
  host.engine.close();
  return 0;
}

} // namespace armada::chaos
