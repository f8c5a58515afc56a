#pragma once

// Memory figures of the benchmarks, from /proc/<pid>/status.

#include <fstream>
#include <string>

namespace armada::bench {

/// The value of `field` ("VmRSS:", "VmHWM:") in /proc/<pid>/status, KiB; 0 when absent.
inline long status_kib(const std::string& field, const std::string& pid = "self") {
  std::ifstream in{"/proc/" + pid + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0)
      return std::stol(line.substr(field.size()));
  return 0;
}

/// The resident set of a process (this one by default), KiB.
inline long rss_kib(const std::string& pid = "self") { return status_kib("VmRSS:", pid); }

/// The peak resident set of this process, KiB.
inline long peak_rss_kib() { return status_kib("VmHWM:"); }

} // namespace armada::bench
