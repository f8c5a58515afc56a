#pragma once

// A server of the test's own, run by scripts/servers in a scratch directory (its own state
// directory and env file, so the shared servers of build/servers.env are untouched): started,
// restarted on the same ports with its data, and stopped by PID at the end.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "armada/runtime/uuid.hpp"

#ifndef ARMADA_SOURCE_DIR
#  error "define ARMADA_SOURCE_DIR (the source tree holding scripts/servers)"
#endif

namespace armada::testing_support {

class scripted_server {
public:
  /// `name` as scripts/servers knows it: redis, nats, kafka, amqp.
  explicit scripted_server(std::string name)
    : name_(std::move(name)),
      dir_(std::filesystem::temp_directory_path()
           / ("armada-" + name_ + "-restart-" + uuid::random().to_string().substr(0, 8))) {
    std::filesystem::create_directories(dir_);
  }
  ~scripted_server() {
    run("down");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  /// `scripts/servers up NAME`; false when it failed (see log()).
  bool up() { return run("up " + name_); }
  /// `scripts/servers restart NAME`: stopped by PID, started again on the same ports.
  bool restart() { return run("restart " + name_); }

  /// A value the script recorded (e.g. AMQP_URL), or empty.
  std::string get(const std::string& variable) const {
    std::ifstream in{dir_ / "servers.env"};
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(variable + "=", 0) == 0)
        return line.substr(variable.size() + 1);
    return {};
  }

  std::filesystem::path log() const { return dir_ / "servers.log"; }

private:
  bool run(const std::string& what) {
    auto cmd = "ARMADA_SERVERS_DIR='" + (dir_ / "state").string() + "' ARMADA_SERVERS_FILE='"
               + (dir_ / "servers.env").string() + "' '" + ARMADA_SOURCE_DIR + "/scripts/servers' " + what + " >>'"
               + log().string() + "' 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

  std::string name_;
  std::filesystem::path dir_;
};

} // namespace armada::testing_support
