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
#include <thread>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "armada/aegis.hpp"
#include "armada/aegis/service_view.hpp"
#include "armada/ago.hpp"
#include "armada/herald.hpp"
#include "armada/herald/embedded.hpp"
#include "armada/herald/amqp.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/herald/nats.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "mesh_cli.hpp"
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
  auto scheme = url.substr(0, url.find("://"));
  if (scheme == "embedded")
    return herald::embedded::connect(sys, url);
  if (scheme == "redis")
    return herald::redis::connect(sys, url);
  if (scheme == "nats")
    return herald::nats::connect(sys, url);
  if (scheme == "jetstream")
    return herald::jetstream::connect(sys, url);
  if (scheme == "kafka")
    return herald::kafka::connect(sys, url);
  if (scheme == "amqp")
    return herald::amqp::connect(sys, url);
  return herald::make_error(herald::errc::config,
                            "armada demo: provider URL '" + url + "' names no provider this demo knows; use "
                              "embedded (the default), or a URL: embedded://FILE, redis://HOST:PORT, "
                              "nats://HOST:PORT, jetstream://HOST:PORT, kafka://HOST:PORT, amqp://USER:PASS@HOST:PORT");
}

/// Starts this service's mesh node and joins `entry` (empty: the first node).
caf::expected<std::unique_ptr<aegis::node>> start_node(const std::string& name, std::vector<std::string> services,
                                                        const std::string& entry) {
  aegis::node_options o;
  o.name = name;
  o.services = std::move(services);
  auto n = aegis::node::start(o);
  if (!n)
    return n;
  if (!entry.empty())
    if (auto joined = (*n)->join(entry); !joined)
      return std::move(joined.error());
  return n;
}

std::size_t live_members(const aegis::node& n) {
  auto all = n.members();
  return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [](const auto& m) { return m.is_live(); }));
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

int run_inventory_service(const std::string& mesh_entry, bool quiet) {
  auto node = start_node("inventory", {"inventory"}, mesh_entry);
  if (!node) {
    std::fprintf(stderr, "inventory: %s\n", describe(node.error()).c_str());
    return 2;
  }
  std::atomic<int> reserved{0};
  (*node)->register_function<std::string, std::string>("reserve", [&](const std::string& order) {
    ++reserved;
    return "R-" + order.substr(order.find('-') + 1);
  });
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  (*node)->on_room_message("orders", [&](const aegis::room_message& m) {
    if (m.payload == "demo: done") {
      std::lock_guard g{mtx};
      done = true;
      cv.notify_all();
    }
  });
  if (auto err = (*node)->join_room("orders")) {
    std::fprintf(stderr, "inventory: %s\n", describe(err).c_str());
    return 2;
  }
  if (!quiet)
    say("inventory", "mesh node at " + (*node)->address() + ", serving function 'reserve'");
  std::unique_lock lock{mtx};
  bool ok = cv.wait_for(lock, 120s, [&] { return done; });
  return ok ? 0 : 1;
}

int run_fulfilment_service(const std::string& url, const std::string& sagas_path, const std::string& mesh_entry,
                           const std::string& fail_at, int orders, bool quiet, bool hold) {
  sigset_t stop_signals{};
  if (hold)
    stop_signals = block_stop_signals(); // before any thread starts
  auto node = start_node("fulfilment", {"fulfilment"}, mesh_entry);
  if (!node) {
    std::fprintf(stderr, "fulfilment: %s\n", describe(node.error()).c_str());
    return 2;
  }
  if (auto err = (*node)->join_room("orders")) {
    std::fprintf(stderr, "fulfilment: %s\n", describe(err).c_str());
    return 2;
  }
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
  // The mesh calls are blocking: they run on a detached actor (its own thread), never on the
  // saga actors' scheduler threads. The reserve step is a request over local signals to it.
  static const capitan::signal reserve_request{"fulfilment.reserve", "reserve stock on the mesh"};
  static const capitan::signal reserve_reply{"fulfilment.reserved", "stock reserved on the mesh"};
  static const capitan::key<std::string> reservation{"reservation"};
  auto* mesh_node = node->get();
  auto mesh_client = sys.spawn<caf::detached>(
    [](caf::event_based_actor*, aegis::node* n, capitan::instance* events) -> caf::behavior {
      return {
        [n, events](const capitan::event& e) {
          // On the mesh: any node serving "inventory"; the saga's key makes the call idempotent.
          auto r = n->execute_any<std::string>("inventory", "reserve", order_id.from(e).value_or(""),
                                               {.timeout = 5s, .idempotency_key = e.correlation_id()});
          capitan::context ctx;
          ctx.correlation_id = e.correlation_id();
          if (r)
            events->emit(ctx, reserve_reply, reservation(*r));
          else
            events->emit(ctx, reserve_reply,
                         ago::reply_error(capitan::error_value{"inventory", "inventory: " + describe(r.error())}));
        },
        [n](const std::string& room_message) { n->broadcast("orders", room_message); },
        [](bool flush) { return flush; }, // answered after everything sent before it
      };
    },
    mesh_node, &bus);
  auto to_mesh = bus.hook(reserve_request, [mesh_client](const capitan::event& e) { caf::anon_send(mesh_client, e); });
  auto action = [&](const step_def& s) -> ago::operation<fulfilment> {
    std::string name = s.action;
    if (name == "reserve_inventory" && fail_at != name)
      return ago::request<fulfilment>(
        reserve_request, reserve_reply,
        [](const fulfilment& f) { return std::vector<capitan::field>{order_id(f.order_id)}; },
        [&, name](const capitan::event& reply, fulfilment& f) {
          if (!quiet)
            say("fulfilment", f.order_id + "  " + name + "  (" + reservation.from(reply).value_or("?")
                                + " from the inventory node)");
          bus.emit(step_done, order_id(f.order_id), step(name));
        });
    return ago::local<fulfilment>([&, name](const ago::step_context&, fulfilment& f) -> pipz::status {
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
    caf::anon_send(mesh_client, id + (o.state == ago::saga_state::completed ? " completed" : " compensated"));
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
  // What `armada inspect` shows of this service: its signals, bridges and sagas.
  auto view = std::make_shared<aegis::service_view>("fulfilment");
  view->events(bus)
    .bridge("orders in", *in)
    .bridge("completed out", *results_completed)
    .bridge("compensated out", *results_compensated)
    .sagas(engine);
  aegis::expose(*mesh_node, view);
  if (!quiet)
    say("fulfilment", "listening on '" + orders_topic + "', sagas in " + (*store)->describe());
  {
    std::unique_lock lock{mtx};
    cv.wait_for(lock, 120s, [&] { return finished.load() >= orders; });
  }
  bus.drain();
  if (hold) {
    if (!quiet)
      say("fulfilment", "holding for `armada inspect " + mesh_node->address() + "` until SIGTERM");
    wait_for_stop_signal(stop_signals);
  }
  mesh_node->unregister(aegis::inspect_function);
  results_completed->close();
  results_compensated->close();
  in->close();
  engine.close();
  to_mesh.close();
  {
    caf::scoped_actor self{sys};
    self->request(mesh_client, 10s, true).receive([](bool) {}, [](caf::error&) {});
  }
  caf::anon_send_exit(mesh_client, caf::exit_reason::user_shutdown);
  conn->close();
  bus.shutdown();
  return finished.load() >= orders ? 0 : 1;
}

int run_order_demo(const order_demo_options& opts) {
  std::string url = opts.provider;
  sigset_t stop_signals{};
  if (opts.hold)
    stop_signals = block_stop_signals(); // before any thread starts
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
  std::printf("armada demo: %d orders, orders service (pid %d) -> %s -> fulfilment service%s\n"
              "             the services also form a 3-node mesh: orders, fulfilment, inventory\n\n",
              opts.orders, ::getpid(), conn->provider().c_str(),
              opts.fail_at.empty() ? "" : (" (failing at " + opts.fail_at + ")").c_str());

  // This service's mesh node; the room every service reports to.
  auto node = start_node("orders", {"orders"}, "");
  if (!node) {
    std::fprintf(stderr, "armada demo: %s\n", describe(node.error()).c_str());
    return 2;
  }
  std::atomic<int> room_messages{0};
  (*node)->on_room_message("orders", [&](const aegis::room_message& m) {
    if (m.sender_name == "orders")
      return;
    ++room_messages;
    if (!opts.quiet)
      say("mesh", "room 'orders' <- " + m.sender_name + ": " + m.payload);
  });
  if (auto err = (*node)->create_room("orders")) {
    std::fprintf(stderr, "armada demo: %s\n", describe(err).c_str());
    return 2;
  }
  if (!opts.quiet)
    say("orders", "mesh node at " + (*node)->address() + ", room 'orders' created");

  // The other services: separate processes.
  auto spawn = [&](std::vector<std::string> args, const char* what) -> pid_t {
    if (opts.quiet)
      args.push_back("--quiet");
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    // The children start with no signal blocked, whatever this process blocks. Holding, they
    // get a process group of their own: Ctrl-C reaches only this process, which ends them.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSIGMASK | (opts.hold ? POSIX_SPAWN_SETPGROUP : 0)));
    pid_t pid = 0;
    int rc = posix_spawn(&pid, opts.self_path.c_str(), nullptr, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      std::fprintf(stderr, "armada demo: cannot start the %s service (%s)\n", what, opts.self_path.c_str());
      return -1;
    }
    return pid;
  };
  std::vector<std::string> fargs{opts.self_path, "demo-fulfilment", "--bus", url, "--sagas",
                                 (scratch / "sagas.mdb").string(), "--mesh", (*node)->address(), "--orders",
                                 std::to_string(opts.orders)};
  if (!opts.fail_at.empty()) {
    fargs.push_back("--fail-at");
    fargs.push_back(opts.fail_at);
  }
  if (opts.hold)
    fargs.push_back("--hold");
  pid_t inventory = spawn({opts.self_path, "demo-inventory", "--mesh", (*node)->address()}, "inventory");
  pid_t child = spawn(fargs, "fulfilment");
  if (inventory < 0 || child < 0)
    return 2;
  // Orders go out once the mesh has its three members.
  auto mesh_until = std::chrono::steady_clock::now() + 30s;
  while (live_members(**node) < 3 && std::chrono::steady_clock::now() < mesh_until)
    std::this_thread::sleep_for(10ms); // polling the member table (membership has no "count reached" event)
  if (live_members(**node) < 3) {
    std::fprintf(stderr, "armada demo: the mesh did not form (%zu of 3 members after 30 s)\n", live_members(**node));
    kill(child, SIGTERM);
    kill(inventory, SIGTERM);
    return 2;
  }
  auto members = live_members(**node);
  if (!opts.quiet)
    say("mesh", "3 members: orders, fulfilment, inventory");

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
  if (opts.hold) {
    std::string at = "?";
    for (auto& m : (*node)->members())
      if (m.name == "fulfilment")
        at = m.address();
    std::printf("armada demo: holding the services; inspect them with\n"
                "  armada inspect %s    (the fulfilment service: signals, bridges, sagas)\n"
                "  armada inspect %s    (the orders node)\n"
                "Ctrl-C (or SIGTERM to pid %d) ends the demo\n",
                at.c_str(), (*node)->address().c_str(), ::getpid());
    std::fflush(stdout);
    wait_for_stop_signal(stop_signals);
    kill(child, SIGTERM);
  }
  int status = 0;
  waitpid(child, &status, 0);
  (*node)->broadcast("orders", "demo: done"); // the inventory service leaves on this
  int inventory_status = 0;
  waitpid(inventory, &inventory_status, 0);
  node->reset(); // leaves the mesh
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
  std::printf("%-28s %10zu\n", "mesh members", members);
  std::printf("%-28s %10d\n", "room messages (orders)", room_messages.load());
  std::printf("%-28s %8.1f ms\n", "latency p50", percentile(latencies_ms, 0.50));
  std::printf("%-28s %8.1f ms\n", "latency p95", percentile(latencies_ms, 0.95));
  std::printf("%-28s %8.1f ms\n", "latency p99", percentile(latencies_ms, 0.99));
  bool expected = opts.fail_at.empty() ? completed == opts.orders : compensated == opts.orders;
  bool ok = all_in && expected && WIFEXITED(status) && WEXITSTATUS(status) == 0 && members == 3
            && WIFEXITED(inventory_status) && WEXITSTATUS(inventory_status) == 0;
  std::printf("\ndemo: %s\n", ok ? "OK" : "FAILED (the outcome is not what was asked)");
  return ok ? 0 : 1;
}

} // namespace armada::apps
