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

void function_registry::clear() {
  std::lock_guard guard{mtx_};
  entries_.clear();
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

void room_handlers::clear() {
  std::lock_guard guard{mtx_};
  handlers_.clear();
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

void peer_directory::put(const std::string& id, const std::string& name, node_actor proxy) {
  std::lock_guard guard{mtx_};
  by_id_[id] = {name, std::move(proxy)};
  id_by_name_[name] = id;
}

void peer_directory::erase(const std::string& id) {
  std::lock_guard guard{mtx_};
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return;
  if (auto n = id_by_name_.find(i->second.first); n != id_by_name_.end() && n->second == id)
    id_by_name_.erase(n);
  by_id_.erase(i);
}

void peer_directory::clear() {
  std::lock_guard guard{mtx_};
  by_id_.clear();
  id_by_name_.clear();
}

node_actor peer_directory::find(const std::string& key) const {
  std::lock_guard guard{mtx_};
  auto i = by_id_.find(key);
  if (i == by_id_.end())
    if (auto n = id_by_name_.find(key); n != id_by_name_.end())
      i = by_id_.find(n->second);
  return i == by_id_.end() ? node_actor{} : i->second.second;
}

std::unique_ptr<caf::scoped_actor> caller_pool::acquire(caf::actor_system& sys) {
  {
    std::lock_guard guard{mtx_};
    if (!free_.empty()) {
      auto self = std::move(free_.back());
      free_.pop_back();
      return self;
    }
  }
  return std::make_unique<caf::scoped_actor>(sys);
}

void caller_pool::release(std::unique_ptr<caf::scoped_actor> self) {
  std::lock_guard guard{mtx_};
  free_.push_back(std::move(self));
}

void caller_pool::clear() {
  std::lock_guard guard{mtx_};
  free_.clear();
}

} // namespace armada::aegis::detail
