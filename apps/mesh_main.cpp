// armada-mesh: the mesh commands of `armada` on their own (node, cluster, inspect).
//   armada-mesh node --name a [--port 4100] [--join 127.0.0.1:4100] [--service pricing] …
//   armada-mesh cluster up 5 | status | down
//   armada-mesh inspect 127.0.0.1:4100

#include <filesystem>

#include "mesh_cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"armada-mesh: aegis peer-to-peer mesh nodes"};
  app.require_subcommand(1);
  armada::apps::mesh_cli mesh;
  armada::apps::add_mesh_commands(app, mesh);
  CLI11_PARSE(app, argc, argv);
  return armada::apps::run_mesh_command(mesh, std::filesystem::canonical("/proc/self/exe").string());
}
