// The armada command.

#include <vector>

#include <CLI/CLI.hpp>

#include "capitan_demo.hpp"

int main(int argc, char** argv) {
  CLI::App app{"armada: events, brokers, sagas and a mesh for C++ services"};
  app.require_subcommand(1);
  armada::apps::capitan_demo_options demo;
  std::vector<std::string> caf_args;
  auto demo_cmd = app.add_subcommand("demo", "run the order flow on local capitan signals, print a "
                                             "timeline and the stats");
  demo_cmd->add_option("--orders", demo.orders, "orders to place")->check(CLI::PositiveNumber);
  demo_cmd->add_option("--fail-every", demo.fail_every, "decline every n-th payment (0: never)")
    ->check(CLI::NonNegativeNumber);
  demo_cmd->add_flag("--quiet", demo.quiet, "no timeline, only the summary");
  demo_cmd->allow_extras(); // the rest goes to the actor system (e.g. --scheduler.max-threads=2)
  CLI11_PARSE(app, argc, argv);
  if (*demo_cmd) {
    std::vector<char*> rest{argv[0]};
    auto extras = demo_cmd->remaining();
    for (auto& e : extras)
      rest.push_back(e.data());
    rest.push_back(nullptr);
    return armada::apps::run_capitan_demo(demo, static_cast<int>(rest.size() - 1), rest.data());
  }
  return 0;
}
