#pragma once

// Private: the node actor's state and the handlers its behavior (node_actor.cpp) dispatches to,
// split by concern: membership.cpp, voting.cpp, calls.cpp, rooms.cpp.

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "node_context.hpp"

namespace armada::aegis::detail {

using steady = std::chrono::steady_clock;

struct peer_entry {
  peer_actor actor;
  bool connected = false;
  bool was_connected = false;
  bool adopted = false; ///< the remote node connected to us
  node_actor proxy;     ///< the remote node actor, once connected
};

struct pending_vote {
  member_info candidate;
  node_actor candidate_proxy; ///< the candidate's node actor, over its join connection
  caf::typed_response_promise<join_result> promise;
  std::uint32_t voters = 0;
  std::uint32_t yes = 0;
  std::uint32_t no = 0;
  std::vector<std::string> reasons;
};

/// A successful join whose answer waits until this node is connected to every member.
struct join_waiter {
  caf::typed_response_promise<join_result> promise;
  join_result result;
  steady::time_point deadline;
};

struct node_actor_state {
  node_actor_state() = default;
  node_context* ctx = nullptr;
  std::optional<member_table> table;
  std::map<std::string, peer_entry> peers;
  std::map<std::string, steady::time_point> last_heard;
  /// Members whose connection (opened by them) broke: probed if they do not reconnect soon.
  std::map<std::string, steady::time_point> lost_links;
  /// When this node last asked a member that gossips to us without a connection for a hello.
  std::map<std::string, steady::time_point> hello_asked;
  std::set<std::string> rooms_known;
  std::map<std::uint64_t, pending_vote> votes;
  std::uint64_t next_vote = 1;
  std::map<std::string, std::size_t> round_robin;
  std::map<std::pair<std::string, std::string>, caf::expected<std::string>> idempotent;
  std::deque<std::pair<std::string, std::string>> idempotent_order;
  std::vector<join_waiter> join_waiters;
  std::uint64_t calls_served = 0;
  bool leaving = false;
  steady::time_point last_tick{};
  std::set<std::string> live_ids; ///< for mesh.topology_changed
  static inline const char* name = "aegis.node";
};

using node_self = node_actor::stateful_pointer<node_actor_state>;

// membership.cpp
void on_gossip(node_self self, const std::string& from, const std::vector<member_info>& entries,
               const std::vector<std::string>& rooms);
void on_tick(node_self self);
void on_peer_up(node_self self, const std::string& id, const caf::actor& proxy);
void on_peer_down(node_self self, const std::string& id, const caf::error& reason);
void on_member_leaving(node_self self, const std::string& id);
/// A member's node actor greets us over the connection it opened: use it as our proxy.
void on_hello(node_self self, const std::string& id, const std::string& certificate,
              const std::string& signature);
/// Makes `proxy` (reached over a connection that already exists) the peer of member `id`;
/// `we_opened` when this node opened that connection (a candidate's join connection).
/// Peer actor `id` reports that its remote node asked for a hello (it has no connection for us).
void on_hello_asked(node_self self, const std::string& id);
void adopt_peer(node_self self, const std::string& id, node_actor proxy, bool we_opened = false);
/// Merges entries, emits events, manages peer actors; gossips at once when something changed.
void merge_entries(node_self self, const std::vector<member_info>& entries);
void gossip_all(node_self self);
void emit_topology_if_changed(node_self self);
/// Answers the joins whose node is now connected to every alive member (or ran out of time).
void answer_join_waiters(node_self self);

// voting.cpp
caf::result<join_result> on_join(node_self self, member_info candidate,
                                 const std::string& certificate, const std::string& signature);
caf::result<join_result> on_join_via(node_self self, std::string host, std::uint16_t port);
vote_reply on_vote(node_self self, const member_info& candidate);

// calls.cpp
caf::result<std::string> on_exec(node_self self, call_request call);
caf::result<std::string> on_route(node_self self, const std::string& peer, call_request call);
caf::result<std::string> on_route_any(node_self self, const std::string& service,
                                      call_request call);

// rooms.cpp
caf::result<bool> on_room(node_self self, room_op op, const std::string& room);
caf::result<std::uint64_t> on_broadcast(node_self self, const std::string& room,
                                        std::string payload);
void on_room_message(node_self self, const room_message& msg);
std::vector<room_state> rooms_of(node_self self);

// node_actor.cpp
/// This node's identity proof for the process of `to` (certificate, signature); empty strings
/// without TLS.
std::pair<std::string, std::string> identity_proof(node_self self, const caf::node_id& to);
/// Whether a sender proved to be member `id` (see tls_identity::check): empty when it did or
/// TLS is off, otherwise what is wrong.
std::string check_identity(node_self self, const std::string& id, const std::string& certificate,
                           const std::string& signature);

/// `errc::too_large` naming `what` when `payload` exceeds this node's max_payload.
caf::error check_size(node_self self, const std::string& what, const std::string& payload);

/// The connected peer actor of a live member, or nothing.
std::optional<peer_actor> connected_peer(node_self self, const std::string& id);

} // namespace armada::aegis::detail
