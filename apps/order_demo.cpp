#include "order_demo.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "armada/ago.hpp"
#include "armada/herald.hpp"
#include "armada/herald/embedded.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "order_flow.hpp"

extern char** environ;

namespace armada::apps {

using namespace order_flow;
using namespace std::chrono_literals;

namespace {

std::mutex out_mtx;

void say(const char* service, const std::string& line) {
  std::lock_guard guard{out_mtx};
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::printf("%02d:%02d:%02d.%03lld  %-11s %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
              static_cast<long long>(ms), service, line.c_str());
  std::fflush(stdout);
}

caf::expected<herald::connection> open_bus(caf::actor_system& sys, const std::string& url) {
  if (url.rfind("embedded://", 0) == 0)
    return herald::embedded::connect(sys, url);
  return herald::make_error(herald::errc::config,
                            "armada demo: provider URL '" + url
                              + "' is not supported by this build of the demo; use --provider embedded");
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

} // namespace

namespace {

/// What the fulfilment saga carries (stored in its log as JSON).
struct fulfilment {
  std::string order_id;
  double amount = 0;
  std::int64_t placed_ns = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(fulfilment, order_id, amount, placed_ns)

} // namespace

int run_fulfilment_service(const std::string& url, const std::string& sagas_path, const std::string& fail_at,
                           int orders, bool quiet) {
  auto rt = runtime::start(std::make_unique<config>());
  auto& sys = rt->system();
  capitan::instance bus{sys};
  auto conn = open_bus(sys, url);
  if (!conn) {
    std::fprintf(stderr, "fulfilment: %s\n", describe(conn.error()).c_str());
    return 2;
  }
  auto store = ago::make_embedded_store({.path = sagas_path});
  if (!store) {
    std::fprintf(stderr, "fulfilment: %s\n", describe(store.error()).c_str());
    return 2;
  }
  std::atomic<int> finished{0};
  std::mutex mtx;
  std::condition_variable cv;
  // Each finished order goes back to the orders service.
  auto results_completed = herald::bridge_out(bus, *conn, order_completed, results_topic, {.key_field = "order_id"},
                                              herald::retry(3));
  auto results_compensated = herald::bridge_out(bus, *conn, order_compensated, results_topic,
                                                {.key_field = "order_id"}, herald::retry(3));
  if (!results_completed || !results_compensated) {
    std::fprintf(stderr, "fulfilment: cannot bridge results\n");
    return 2;
  }
  // The saga: reserve_inventory -> charge_payment -> ship_order, each with its compensation,
  // compensated in reverse when a step fails (an ago saga: durable, one actor per order).
  ago::engine_options eopts;
  eopts.events = &bus;
  eopts.owner = "demo-fulfilment";
  ago::engine engine{sys, *store, eopts};
  auto action = [&](const step_def& s) {
    return ago::local<fulfilment>([&, name = std::string{s.action}](const ago::step_context&, fulfilment& f) -> pipz::status {
      if (fail_at == name) {
        if (!quiet)
          say("fulfilment", f.order_id + "  " + name + " FAILED");
        return pipz::fail(name + " declined");
      }
      if (!quiet)
        say("fulfilment", f.order_id + "  " + name);
      bus.emit(step_done, order_id(f.order_id), step(name));
      return {};
    });
  };
  auto compensation = [&](const step_def& s) {
    return ago::local<fulfilment>([&, name = std::string{s.compensation}](const ago::step_context&, fulfilment& f) {
      if (!quiet)
        say("fulfilment", f.order_id + "  " + name + " (compensation)");
      bus.emit(step_done, order_id(f.order_id), step(name));
    });
  };
  ago::saga<fulfilment> saga{"fulfilment"};
  for (const auto& s : steps)
    saga.step(s.action, action(s), compensation(s));
  engine.add(saga);
  if (auto resumed = engine.recover(); resumed && *resumed > 0 && !quiet)
    say("fulfilment", "resumed " + std::to_string(*resumed) + " unfinished saga(s)");

  auto report = [&](const ago::saga_outcome& o) {
    auto f = o.data_as<fulfilment>();
    auto id = f ? f->order_id : o.id;
    auto at = capitan::time_point{std::chrono::nanoseconds{f ? f->placed_ns : 0}};
    if (o.state == ago::saga_state::completed) {
      bus.emit(order_completed, order_id(id), placed_at(at));
    } else {
      std::string failed = "?";
      if (auto rec = engine.get_state(o.id))
        for (const auto& st : rec->steps)
          if (st.status == ago::step_status::failed)
            failed = st.name;
      bus.warn(order_compensated, order_id(id), failed_step(failed), placed_at(at));
    }
    if (++finished >= orders) {
      std::lock_guard g{mtx};
      cv.notify_all();
    }
  };
  // An order starts its saga under the order's id: a redelivered order never runs twice.
  auto on_order = bus.hook(order_placed, [&](const capitan::event& e) {
    fulfilment f{order_id.from(e).value_or("?"), amount.from(e).value_or(0),
                 std::chrono::duration_cast<std::chrono::nanoseconds>(
                     placed_at.from(e).value_or(capitan::time_point{}).time_since_epoch()).count()};
    auto id = engine.start<fulfilment>("fulfilment", f, {.id = f.order_id});
    if (!id)
      throw std::runtime_error{describe(id.error())}; // nacked: redelivered later
    if (!engine.on_finished(*id, report))
      if (auto rec = engine.get_state(*id); rec && ago::is_terminal(rec->state))
        report(ago::saga_outcome{rec->id, rec->state, rec->error, rec->data});
  });
  auto in = herald::bridge_in(*conn, orders_topic, bus, order_placed, {.group = "fulfilment"});
  if (!in) {
    std::fprintf(stderr, "fulfilment: %s\n", describe(in.error()).c_str());
    return 2;
  }
  if (!quiet)
    say("fulfilment", "listening on '" + orders_topic + "', sagas in " + (*store)->describe());
  {
    std::unique_lock lock{mtx};
    cv.wait_for(lock, 120s, [&] { return finished.load() >= orders; });
  }
  bus.drain();
  results_completed->close();
  results_compensated->close();
  in->close();
  engine.close();
  conn->close();
  bus.shutdown();
  return finished.load() >= orders ? 0 : 1;
}

int run_order_demo(const order_demo_options& opts) {
  std::string url = opts.provider;
  auto scratch = std::filesystem::temp_directory_path() / ("armada-demo-" + std::to_string(::getpid()));
  std::filesystem::create_directories(scratch);
  if (url == "embedded")
    url = "embedded://" + (scratch / "bus.mdb").string();
  auto rt = runtime::start(std::make_unique<config>());
  auto& sys = rt->system();
  capitan::instance bus{sys};
  auto conn = open_bus(sys, url);
  if (!conn) {
    std::fprintf(stderr, "armada demo: %s\n", describe(conn.error()).c_str());
    return 2;
  }
  std::printf("armada demo: %d orders, orders service (pid %d) -> %s -> fulfilment service%s\n\n",
              opts.orders, ::getpid(), conn->provider().c_str(),
              opts.fail_at.empty() ? "" : (" (failing at " + opts.fail_at + ")").c_str());

  // The fulfilment service: a separate process.
  std::vector<std::string> args{opts.self_path, "demo-fulfilment", "--bus", url, "--sagas",
                                (scratch / "sagas.mdb").string(), "--orders", std::to_string(opts.orders)};
  if (!opts.fail_at.empty()) {
    args.push_back("--fail-at");
    args.push_back(opts.fail_at);
  }
  if (opts.quiet)
    args.push_back("--quiet");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  if (posix_spawn(&child, opts.self_path.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "armada demo: cannot start the fulfilment service (%s)\n", opts.self_path.c_str());
    return 2;
  }

  std::mutex mtx;
  std::condition_variable cv;
  int completed = 0, compensated = 0;
  std::vector<double> latencies_ms;
  auto record = [&](const capitan::event& e, bool ok) {
    auto id = order_id.from(e).value_or("?");
    auto start = placed_at.from(e);
    double ms = start ? std::chrono::duration<double, std::milli>(std::chrono::system_clock::now() - *start).count() : 0;
    if (!opts.quiet)
      say("orders", id + (ok ? "  completed" : "  compensated (failed at " + failed_step.from(e).value_or("?") + ")"));
    std::lock_guard g{mtx};
    (ok ? completed : compensated)++;
    latencies_ms.push_back(ms);
    cv.notify_all();
  };
  auto on_completed = bus.hook(order_completed, [&](const capitan::event& e) { record(e, true); });
  auto on_compensated = bus.hook(order_compensated, [&](const capitan::event& e) { record(e, false); });
  auto results = herald::bridge_in(*conn, results_topic, bus, std::nullopt, {.group = "orders"});
  auto out = herald::bridge_out(bus, *conn, order_placed, orders_topic, {.key_field = "order_id"},
                                herald::retry(3), herald::circuit_breaker(5, 30s));
  if (!results || !out) {
    std::fprintf(stderr, "armada demo: cannot bridge the services\n");
    kill(child, SIGTERM);
    return 2;
  }
  auto placed = bus.hook(order_placed, [](const capitan::event&) {});
  for (int i = 1; i <= opts.orders; ++i) {
    auto id = "A-" + std::to_string(1000 + i);
    if (!opts.quiet)
      say("orders", id + "  placed");
    bus.emit(order_placed, order_id(id), amount(19.5 * (1 + i % 4)), placed_at(std::chrono::system_clock::now()));
  }
  bool all_in;
  {
    std::unique_lock lock{mtx};
    all_in = cv.wait_for(lock, 120s, [&] { return completed + compensated >= opts.orders; });
  }
  int status = 0;
  waitpid(child, &status, 0);
  auto st = out->stats();
  auto sub = results->state();
  out->close();
  results->close();
  conn->close();
  bus.shutdown();
  std::filesystem::remove_all(scratch);

  std::printf("\n%-28s %10s\n", "summary", "");
  std::printf("%-28s %10d\n", "orders placed", opts.orders);
  std::printf("%-28s %10d\n", "completed", completed);
  std::printf("%-28s %10d\n", "compensated", compensated);
  std::printf("%-28s %10llu\n", "messages published (orders)", static_cast<unsigned long long>(st.published));
  std::printf("%-28s %10llu\n", "messages received (results)",
              static_cast<unsigned long long>(sub ? sub->received : 0));
  std::printf("%-28s %8.1f ms\n", "latency p50", percentile(latencies_ms, 0.50));
  std::printf("%-28s %8.1f ms\n", "latency p95", percentile(latencies_ms, 0.95));
  std::printf("%-28s %8.1f ms\n", "latency p99", percentile(latencies_ms, 0.99));
  bool expected = opts.fail_at.empty() ? completed == opts.orders : compensated == opts.orders;
  bool ok = all_in && expected && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::printf("\ndemo: %s\n", ok ? "OK" : "FAILED (the outcome is not what was asked)");
  return ok ? 0 : 1;
}

} // namespace armada::apps
