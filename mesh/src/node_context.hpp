#pragma once

// Private: what the node facade and the node actor share. The facade owns it; the node actor
// holds a raw pointer (the facade stops the actor before it destroys the context).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "armada/aegis/node.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/runtime.hpp"
#include "tls_identity.hpp"

namespace armada::aegis::detail {

/// The functions a node serves, by name. Thread-safe.
class function_registry {
public:
  struct entry {
    raw_function fn;
    function_options opts;
  };
  void add(const std::string& name, raw_function fn, function_options opts);
  bool remove(const std::string& name);
  /// Drops every function (and what they capture).
  void clear();
  std::optional<entry> find(const std::string& name) const;
  std::vector<std::string> names() const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, entry> entries_;
};

/// Room handlers of this node, by room. Thread-safe.
class room_handlers {
public:
  void add(const std::string& room, room_handler fn);
  /// Calls every handler of `msg.room`; a throwing handler does not stop the others.
  void deliver(const room_message& msg) const;
  /// Drops every handler (and what they capture).
  void clear();

private:
  mutable std::mutex mtx_;
  std::map<std::string, std::vector<room_handler>> handlers_;
};

/// The proxies of the connected members' node actors by id and by name, kept by the node
/// actor, so the facade can send a call straight to the remote node actor (the same path as a
/// raw CAF request). Thread-safe.
class peer_directory {
public:
  void put(const std::string& id, const std::string& name, node_actor proxy);
  void erase(const std::string& id);
  void clear();
  /// The proxy of the member whose id or name is `key`, or an invalid handle.
  node_actor find(const std::string& key) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, std::pair<std::string, node_actor>> by_id_; // id -> (name, proxy)
  std::map<std::string, std::string> id_by_name_;
};

/// Blocking actors for the facade's requests, reused across calls (creating one per call costs
/// about as much as a loopback round trip). Thread-safe.
class caller_pool {
public:
  std::unique_ptr<caf::scoped_actor> acquire(caf::actor_system& sys);
  /// Returns a caller whose last request was answered (a timed-out one may still get a late
  /// answer: drop it instead).
  void release(std::unique_ptr<caf::scoped_actor> self);
  void clear();

private:
  std::mutex mtx_;
  std::vector<std::unique_ptr<caf::scoped_actor>> free_;
};

struct node_context {
  node_options opts;
  member_info self;
  std::unique_ptr<armada::config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<capitan::instance> own_events;
  capitan::instance* events = nullptr;
  function_registry functions;
  room_handlers handlers;
  peer_directory directory;
  caller_pool callers;
  caf::io::middleman_actor connector; ///< the middleman (or the TLS manager) actor
  node_actor actor;
  caf::actor guard; ///< the frame guard on the public port (plain TCP only)
  std::shared_ptr<const tls_identity> identity; ///< with TLS: proves this node's id, checks others'
};

/// A peer actor: the node actor's handle on one remote member (see spawn_peer_actor).
using peer_actor = caf::typed_actor<
  caf::reacts_to<gossip_atom, std::string, std::vector<member_info>, std::vector<std::string>>,
  caf::reacts_to<room_msg_atom, room_message>,
  caf::replies_to<vote_atom, member_info>::with<vote_reply>,
  caf::replies_to<exec_atom, call_request>::with<std::string>,
  caf::replies_to<leave_atom, std::string>::with<bool>,
  caf::replies_to<get_state_atom>::with<peer_info>,
  caf::reacts_to<hello_ask_atom>>;

/// Spawns the node actor of `ctx` (not yet published).
node_actor spawn_node_actor(node_context& ctx);

/// Spawns a peer actor: connects to `host:port` through `connector` (or adopts `proxy` when it
/// is valid), reports `peerup` (with the proxy of the remote node actor) or `peerdown` to
/// `owner`, forwards gossip, votes, calls, room messages and leave notices to the proxy, and
/// reports `peerdown` when the proxy dies.
peer_actor spawn_peer_actor(caf::actor_system& sys, node_actor owner,
                            caf::io::middleman_actor connector, std::string id,
                            std::string host, std::uint16_t port, caf::timespan timeout,
                            node_actor proxy = {});

} // namespace armada::aegis::detail
