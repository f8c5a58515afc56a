#pragma once

#include <map>
#include <optional>
#include <string>

namespace armada::testing {

/// The addresses of the real servers started by `scripts/servers up`, read from the file named
/// by the environment variable ARMADA_SERVERS_FILE (default: `build/servers.env` relative to the
/// source tree). Lines are `NAME=VALUE`, e.g. `REDIS_URL=redis://127.0.0.1:41234`.
class servers {
public:
  /// Reads the file; an empty map when it does not exist.
  static servers load();

  /// The value of `name`, or empty when the server was not started.
  std::optional<std::string> get(const std::string& name) const;

  /// Text for GTEST_SKIP when `name` is missing: names the server and how to start it.
  static std::string missing(const std::string& name);

  const std::string& file() const { return file_; }

private:
  std::string file_;
  std::map<std::string, std::string> values_;
};

} // namespace armada::testing
