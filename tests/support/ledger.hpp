#pragma once

// Ledger files of the multi-process tests: one record per line, appended with one write(2) on an
// O_APPEND descriptor, so a SIGKILLed writer leaves whole lines (what the kernel took survives
// the process) and several processes may append to one file.

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace armada::testing_support {

/// The complete lines of `path` (a last line without its newline is dropped: its writer died
/// mid-line); empty when the file does not exist.
inline std::vector<std::string> read_ledger(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::string all{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::vector<std::string> lines;
  std::size_t at = 0;
  for (auto nl = all.find('\n'); nl != std::string::npos; nl = all.find('\n', at)) {
    lines.push_back(all.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

/// An append-only ledger file. Thread-safe; aborts when a write fails (a ledger that silently
/// misses a line would make the test's verdict wrong).
class ledger_file {
public:
  explicit ledger_file(const std::string& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644)) {
    if (fd_ < 0)
      std::abort();
  }
  ~ledger_file() { ::close(fd_); }
  ledger_file(const ledger_file&) = delete;
  ledger_file& operator=(const ledger_file&) = delete;

  /// Appends `record` and a newline in one write.
  void append(std::string_view record) {
    std::string line{record};
    line += '\n';
    std::lock_guard guard{mtx_};
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      std::abort();
  }

private:
  std::mutex mtx_;
  int fd_;
};

/// The effects a handler applied, one idempotency key per line: `apply` applies a key's effect
/// at most once across restarts of the process (it reads the file when constructed) — what a
/// real handler does with the key ago hands it.
class effect_ledger {
public:
  explicit effect_ledger(const std::string& path)
    : file_(path) {
    for (auto& key : read_ledger(path))
      applied_.insert(std::move(key));
  }

  /// Applies the effect of `key` once: false when it was applied before (a retry after a crash).
  bool apply(std::string_view key) {
    std::lock_guard guard{mtx_};
    std::string k{key};
    if (applied_.contains(k))
      return false;
    file_.append(k);
    applied_.insert(std::move(k));
    return true;
  }

private:
  std::mutex mtx_;
  ledger_file file_;
  std::set<std::string> applied_;
};

} // namespace armada::testing_support
