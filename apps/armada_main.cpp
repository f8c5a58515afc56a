// The armada command.

#include <cstdio>
#include <filesystem>
#include <vector>

#include <CLI/CLI.hpp>

#include "capitan_demo.hpp"
#include "mesh_cli.hpp"
#include "order_demo.hpp"
#include "tools.hpp"
#include "order_flow.hpp"

int main(int argc, char** argv) {
  CLI::App app{"armada: events, brokers, sagas and a mesh for C++ services"};
  app.require_subcommand(1);

  armada::apps::order_demo_options demo;
  auto demo_cmd = app.add_subcommand(
    "demo", "the order flow across two processes: an orders service emits order.placed, herald "
            "carries it to a fulfilment service that runs reserve_inventory -> charge_payment -> "
            "ship_order (compensated in reverse on failure) and reports back");
  demo_cmd->add_option("--orders", demo.orders, "orders to place")->check(CLI::Range(1, 100000));
  demo_cmd->add_option("--fail-at", demo.fail_at, "make every order fail at this step")
    ->check(CLI::IsMember({"reserve_inventory", "charge_payment", "ship_order"}));
  demo_cmd->add_option("--provider", demo.provider,
                       "embedded (default: a fresh LMDB file, no server) or a URL: embedded://, redis://, nats://, jetstream://, kafka://, amqp://");
  demo_cmd->add_flag("--quiet", demo.quiet, "no timeline, only the summary");
  demo_cmd->add_flag("--hold", demo.hold,
                     "keep the services up after the outcome, for `armada inspect`, until Ctrl-C or SIGTERM");

  std::string bus, sagas, mesh, fail_at;
  int orders = 0;
  bool quiet = false;
  auto child_cmd = app.add_subcommand("demo-fulfilment", "the fulfilment service of `armada demo` (started by it)");
  child_cmd->group(""); // hidden
  child_cmd->add_option("--bus", bus, "provider URL")->required();
  child_cmd->add_option("--sagas", sagas, "the saga log (an LMDB file)")->required();
  child_cmd->add_option("--mesh", mesh, "a mesh member to join (host:port)")->required();
  child_cmd->add_option("--orders", orders, "orders to handle before exiting")->required();
  child_cmd->add_option("--fail-at", fail_at, "step that fails");
  child_cmd->add_flag("--quiet", quiet, "no timeline");
  bool hold = false;
  child_cmd->add_flag("--hold", hold, "stay up after the orders until SIGTERM");

  std::string inventory_mesh;
  bool inventory_quiet = false;
  auto inventory_cmd = app.add_subcommand("demo-inventory", "the inventory service of `armada demo` (started by it)");
  inventory_cmd->group(""); // hidden
  inventory_cmd->add_option("--mesh", inventory_mesh, "a mesh member to join (host:port)")->required();
  inventory_cmd->add_flag("--quiet", inventory_quiet, "no timeline");

  armada::apps::mesh_cli mesh_commands;
  armada::apps::add_mesh_commands(app, mesh_commands);

  std::vector<std::string> server_args;
  auto servers_cmd = app.add_subcommand("servers", "start or stop the real brokers the tests use "
                                                   "(scripts/servers: up [NAME] | down | status)");
  servers_cmd->add_option("args", server_args, "up [NAME], down, status, restart NAME")->required();

  std::string bench_only;
  auto bench_cmd = app.add_subcommand("bench", "run the benchmarks (armada vs the raw baselines) and print their tables");
  bench_cmd->add_option("--only", bench_only, "one of: capitan, pipz, herald, ago, aegis, herald_brokers, herald_cloud");

  armada::apps::capitan_demo_options local;
  auto local_cmd = app.add_subcommand("capitan-demo", "the order flow on local capitan signals in one "
                                                      "process: timeline and stats");
  local_cmd->add_option("--orders", local.orders, "orders to place")->check(CLI::PositiveNumber);
  local_cmd->add_option("--fail-every", local.fail_every, "decline every n-th payment (0: never)")
    ->check(CLI::NonNegativeNumber);
  local_cmd->add_flag("--quiet", local.quiet, "no timeline, only the summary");

  CLI11_PARSE(app, argc, argv);
  if (*demo_cmd) {
    demo.self_path = std::filesystem::canonical("/proc/self/exe").string();
    return armada::apps::run_order_demo(demo);
  }
  if (*child_cmd)
    return armada::apps::run_fulfilment_service(bus, sagas, mesh, fail_at, orders, quiet, hold);
  if (auto rc = armada::apps::run_mesh_command(mesh_commands, std::filesystem::canonical("/proc/self/exe").string()); rc >= 0)
    return rc;
  if (*servers_cmd)
    return armada::apps::run_servers(ARMADA_SOURCE_DIR, server_args);
  if (*bench_cmd)
    return armada::apps::run_benchmarks(ARMADA_BENCH_DIR, bench_only);
  if (*inventory_cmd)
    return armada::apps::run_inventory_service(inventory_mesh, inventory_quiet);
  if (*local_cmd) {
    char* rest[] = {argv[0], nullptr};
    return armada::apps::run_capitan_demo(local, 1, rest);
  }
  return 0;
}
