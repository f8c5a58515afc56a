#include "armada/capitan/signal.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace armada::capitan {

std::string_view to_string(severity s) {
  switch (s) {
    case severity::debug: return "debug";
    case severity::info: return "info";
    case severity::warn: return "warn";
    case severity::error: return "error";
  }
  return "unknown";
}

bool from_string(std::string_view text, severity& out) {
  for (auto s : {severity::debug, severity::info, severity::warn, severity::error}) {
    if (to_string(s) == text) {
      out = s;
      return true;
    }
  }
  return false;
}

namespace detail {
namespace {

struct catalog {
  std::shared_mutex mtx;
  std::unordered_map<std::string_view, std::unique_ptr<signal_info>> by_name;
};

catalog& the_catalog() {
  static auto* instance = new catalog; // never destroyed: signals may outlive static dtors
  return *instance;
}

} // namespace

const signal_info* intern_signal(std::string_view name, std::string_view description) {
  auto& cat = the_catalog();
  {
    std::shared_lock guard{cat.mtx};
    if (auto i = cat.by_name.find(name); i != cat.by_name.end())
      return i->second.get();
  }
  std::unique_lock guard{cat.mtx};
  if (auto i = cat.by_name.find(name); i != cat.by_name.end())
    return i->second.get();
  auto info = std::make_unique<signal_info>(signal_info{std::string{name}, std::string{description}});
  auto ptr = info.get();
  cat.by_name.emplace(std::string_view{ptr->name}, std::move(info));
  return ptr;
}

} // namespace detail

std::vector<signal> known_signals() {
  auto& cat = detail::the_catalog();
  std::vector<signal> result;
  {
    std::shared_lock guard{cat.mtx};
    result.reserve(cat.by_name.size());
    for (auto& [name, info] : cat.by_name)
      result.emplace_back(name);
  }
  std::sort(result.begin(), result.end());
  return result;
}

bool is_known_signal(std::string_view name) {
  auto& cat = detail::the_catalog();
  std::shared_lock guard{cat.mtx};
  return cat.by_name.count(name) > 0;
}

} // namespace armada::capitan
