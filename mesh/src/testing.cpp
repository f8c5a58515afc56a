#include "armada/aegis/testing.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "armada/runtime/error.hpp"

namespace armada::aegis::testing {

node_options fast_options(std::string name) {
  node_options o;
  o.name = std::move(name);
  o.heartbeat_interval = std::chrono::milliseconds{50};
  o.suspect_after = std::chrono::milliseconds{300};
  o.dead_after = std::chrono::milliseconds{800};
  o.vote_timeout = std::chrono::milliseconds{1000};
  o.connect_timeout = std::chrono::milliseconds{1000};
  o.scheduler_threads = 1;
  return o;
}

mesh_fixture::~mesh_fixture() {
  while (!nodes_.empty())
    nodes_.pop_back();
}

node& mesh_fixture::add(const std::string& name, const customize& fn) {
  auto opts = fast_options(name);
  if (fn)
    fn(opts);
  auto n = node::start(std::move(opts));
  if (!n)
    throw std::runtime_error("mesh_fixture: cannot start node '" + name
                             + "': " + armada::describe(n.error()));
  nodes_.push_back(std::move(*n));
  return *nodes_.back();
}

node& mesh_fixture::add_joined(const std::string& name, const customize& fn) {
  bool first = nodes_.empty();
  auto& n = add(name, fn);
  if (!first) {
    auto res = n.join("127.0.0.1", nodes_.front()->port());
    if (!res)
      throw std::runtime_error("mesh_fixture: '" + name + "' cannot join: "
                               + armada::describe(res.error()));
  }
  return n;
}

void mesh_fixture::add_many(std::size_t n, const std::string& prefix, const customize& fn) {
  for (std::size_t i = 0; i < n; ++i)
    add_joined(prefix + "-" + std::to_string(i), fn);
}

node& mesh_fixture::by_name(const std::string& name) {
  for (auto& n : nodes_)
    if (n->name() == name)
      return *n;
  throw std::out_of_range("mesh_fixture: no node named '" + name + "'");
}

void mesh_fixture::remove(const std::string& name, bool leave_first) {
  auto i = std::find_if(nodes_.begin(), nodes_.end(), [&](auto& n) { return n->name() == name; });
  if (i == nodes_.end())
    throw std::out_of_range("mesh_fixture: no node named '" + name + "'");
  (*i)->stop(leave_first);
  nodes_.erase(i);
}

bool mesh_fixture::converged() {
  std::set<std::string> expected;
  for (auto& n : nodes_)
    expected.insert(n->id());
  std::optional<std::uint64_t> digest;
  for (auto& n : nodes_) {
    auto s = n->state();
    std::set<std::string> live;
    for (auto& m : s.members)
      if (m.state() == member_status::alive)
        live.insert(m.id);
    if (live != expected || s.connected.size() + 1 != expected.size())
      return false;
    if (digest && *digest != s.topology_digest)
      return false;
    digest = s.topology_digest;
  }
  return true;
}

bool mesh_fixture::wait_converged(std::chrono::milliseconds timeout) {
  return wait_until([this] { return converged(); }, timeout);
}

} // namespace armada::aegis::testing
