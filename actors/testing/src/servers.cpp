#include "armada/testing/servers.hpp"

#include <cstdlib>
#include <fstream>

#ifndef ARMADA_SOURCE_DIR
#  define ARMADA_SOURCE_DIR "."
#endif

namespace armada::testing {

servers servers::load() {
  servers result;
  if (auto env = std::getenv("ARMADA_SERVERS_FILE"); env && *env)
    result.file_ = env;
  else
    result.file_ = std::string{ARMADA_SOURCE_DIR} + "/build/servers.env";
  std::ifstream in{result.file_};
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos || line.empty() || line[0] == '#')
      continue;
    result.values_[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return result;
}

std::optional<std::string> servers::get(const std::string& name) const {
  if (auto i = values_.find(name); i != values_.end() && !i->second.empty())
    return i->second;
  return std::nullopt;
}

std::string servers::missing(const std::string& name) {
  return name + " is not set: the server is not running. Start the test servers with "
                "`scripts/servers up` (scripts/test does it for you)";
}

} // namespace armada::testing
