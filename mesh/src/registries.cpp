#include "node_context.hpp"

namespace armada::aegis::detail {

void function_registry::add(const std::string& name, raw_function fn, function_options opts) {
  std::lock_guard guard{mtx_};
  entries_[name] = entry{std::move(fn), std::move(opts)};
}

bool function_registry::remove(const std::string& name) {
  std::lock_guard guard{mtx_};
  return entries_.erase(name) > 0;
}

std::optional<function_registry::entry> function_registry::find(const std::string& name) const {
  std::lock_guard guard{mtx_};
  if (auto i = entries_.find(name); i != entries_.end())
    return i->second;
  return std::nullopt;
}

std::vector<std::string> function_registry::names() const {
  std::lock_guard guard{mtx_};
  std::vector<std::string> result;
  for (auto& [name, e] : entries_)
    result.push_back(name);
  return result;
}

void room_handlers::add(const std::string& room, room_handler fn) {
  std::lock_guard guard{mtx_};
  handlers_[room].push_back(std::move(fn));
}

void room_handlers::deliver(const room_message& msg) const {
  std::vector<room_handler> fns;
  {
    std::lock_guard guard{mtx_};
    if (auto i = handlers_.find(msg.room); i != handlers_.end())
      fns = i->second;
  }
  for (auto& fn : fns) {
    try {
      fn(msg);
    } catch (...) {
      // a throwing handler must not stop the others nor the node actor
    }
  }
}

} // namespace armada::aegis::detail
