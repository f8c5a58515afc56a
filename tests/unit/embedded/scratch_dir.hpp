#pragma once

// A directory of its own for one test, removed afterwards.

#include <filesystem>
#include <string>

#include "armada/runtime/uuid.hpp"

namespace armada::testing_embedded {

class scratch_dir {
public:
  scratch_dir()
    : path_(std::filesystem::temp_directory_path() / ("armada-embedded-" + uuid::random().to_string())) {
    std::filesystem::create_directories(path_);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }

  /// `embedded://` URL of `name` in this directory, with `query` ("lease=100&poll=5").
  std::string url(const std::string& name = "herald.mdb", const std::string& query = {}) const {
    return "embedded://" + (path_ / name).string() + (query.empty() ? "" : "?" + query);
  }

private:
  std::filesystem::path path_;
};

} // namespace armada::testing_embedded
