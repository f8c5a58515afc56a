#pragma once

// The typed actor interface of an aegis node, and the messages that cross between nodes. Every
// type here is inspectable and registered (CAF type-ID block `armada_aegis`), so it travels
// over BASP between processes.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "armada/aegis/member.hpp"
#include "armada/capitan/actors.hpp"
#include "armada/runtime/type_ids.hpp"

namespace armada::aegis {

using get_state_atom = capitan::get_state_atom;
using gossip_atom = caf::atom_constant<caf::atom("gossip")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using join_via_atom = caf::atom_constant<caf::atom("joinvia")>;
using vote_atom = caf::atom_constant<caf::atom("vote")>;
using exec_atom = caf::atom_constant<caf::atom("exec")>;
using route_atom = caf::atom_constant<caf::atom("route")>;
using route_any_atom = caf::atom_constant<caf::atom("routeany")>;
using room_msg_atom = caf::atom_constant<caf::atom("roommsg")>;
using room_atom = caf::atom_constant<caf::atom("room")>;
using bcast_atom = caf::atom_constant<caf::atom("broadcast")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using peer_up_atom = caf::atom_constant<caf::atom("peerup")>;
using peer_down_atom = caf::atom_constant<caf::atom("peerdown")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
/// "Say hello to me": a node that hears gossip from a member it has no connection for asks the
/// sending peer actor for a hello, so each side holds the pair's connection again.
using hello_ask_atom = caf::atom_constant<caf::atom("helloask")>;

/// Room operations of `room_atom`.
enum class room_op : std::uint8_t { create = 0, join = 1, leave = 2 };

/// One remote call: who calls, which function, the encoded argument, an optional idempotency
/// key (a repeated key from the same caller gets the first call's result without a new run).
struct call_request {
  std::string caller_id{};
  std::string caller_name{};
  std::string function{};
  std::string payload{};
  std::string idempotency_key{};
  template <class Inspector>
  friend auto inspect(Inspector& f, call_request& x) {
    return f(x.caller_id, x.caller_name, x.function, x.payload, x.idempotency_key);
  }
};

/// A message broadcast to a room.
struct room_message {
  std::string room{};
  std::string sender_id{};
  std::string sender_name{};
  std::string payload{};
  template <class Inspector>
  friend auto inspect(Inspector& f, room_message& x) {
    return f(x.room, x.sender_id, x.sender_name, x.payload);
  }
};

/// One member's answer to a join vote (`decision` is a vote_decision).
struct vote_reply {
  std::string voter{};
  std::uint8_t decision = 0;
  std::string reason{};
  template <class Inspector>
  friend auto inspect(Inspector& f, vote_reply& x) {
    return f(x.voter, x.decision, x.reason);
  }
};

/// What a candidate learns: approved or not and why; on approval the member table, the known
/// rooms and the incarnation the candidate must use.
struct join_result {
  bool approved = false;
  std::string reason{};
  std::vector<member_info> members{};
  std::vector<std::string> rooms{};
  std::uint64_t incarnation = 0;
  std::string entry_id{}; ///< the id of the node that ran the vote
  template <class Inspector>
  friend auto inspect(Inspector& f, join_result& x) {
    return f(x.approved, x.reason, x.members, x.rooms, x.incarnation, x.entry_id);
  }
};

/// One room as a node sees it: its live members (ids).
struct room_state {
  std::string name{};
  std::vector<std::string> members{};
  template <class Inspector>
  friend auto inspect(Inspector& f, room_state& x) {
    return f(x.name, x.members);
  }
};

/// A join vote the entry node is collecting.
struct vote_state {
  member_info candidate{};
  std::uint32_t yes = 0;
  std::uint32_t no = 0;
  std::uint32_t waiting = 0;
  template <class Inspector>
  friend auto inspect(Inspector& f, vote_state& x) {
    return f(x.candidate, x.yes, x.no, x.waiting);
  }
};

/// One peer actor: its member, whether its proxy is connected, whether the remote node opened
/// the connection (adopted), and how many messages it forwarded. `get_state` on a peer actor
/// returns it; a node's state lists its peers.
struct peer_info {
  std::string id{};
  bool connected = false;
  bool adopted = false;
  std::uint64_t forwarded = 0;
  template <class Inspector>
  friend auto inspect(Inspector& f, peer_info& x) {
    return f(x.id, x.connected, x.adopted, x.forwarded);
  }
};

/// What `get_state` on a node actor returns.
struct node_state {
  member_info self{};
  std::vector<member_info> members{};        ///< every entry, self included, by id
  std::vector<std::string> connected{};      ///< ids of members with a connected peer actor
  std::vector<peer_info> peers{};            ///< every peer actor (forwarded: see its get_state)
  std::vector<room_state> rooms{};
  std::vector<vote_state> pending_votes{};
  std::vector<std::string> functions{};
  std::uint64_t topology_digest = 0;
  std::uint64_t calls_served = 0;
  bool leaving = false;

  /// Live members (self included).
  std::size_t live_count() const;
  template <class Inspector>
  friend auto inspect(Inspector& f, node_state& x) {
    return f(x.self, x.members, x.connected, x.peers, x.rooms, x.pending_votes, x.functions,
             x.topology_digest, x.calls_served, x.leaving);
  }
};

/// The node actor: membership, voting, function registry, rooms. Between two nodes there is one
/// connection: the node with the lower id connects and says `hello` from its node actor; the
/// other adopts the sender as its proxy (CAF drops duplicate TLS connections, killing proxies). Published on the node's port;
/// other nodes hold a proxy of it in their peer actor for this node. The `route*`, `room`,
/// `broadcast`, `leave` and `joinvia` messages are the local facade's; the rest are what nodes
/// send each other. `join` and `hello` carry the sender's identity proof (with TLS: its
/// certificate and a signature over its id and the receiving process; empty without TLS): a
/// node cannot claim the id of another certificate's owner.
using node_actor = caf::typed_actor<
  caf::reacts_to<gossip_atom, std::string, std::vector<member_info>, std::vector<std::string>>,
  caf::replies_to<join_atom, member_info, std::string, std::string>::with<join_result>,
  caf::replies_to<join_via_atom, std::string, std::uint16_t>::with<join_result>,
  caf::replies_to<vote_atom, member_info>::with<vote_reply>,
  caf::replies_to<exec_atom, call_request>::with<std::string>,
  caf::replies_to<route_atom, std::string, call_request>::with<std::string>,
  caf::replies_to<route_any_atom, std::string, call_request>::with<std::string>,
  caf::reacts_to<room_msg_atom, room_message>,
  caf::replies_to<room_atom, std::uint8_t, std::string>::with<bool>,
  caf::replies_to<bcast_atom, std::string, std::string>::with<std::uint64_t>,
  caf::replies_to<leave_atom>::with<bool>,
  caf::replies_to<leave_atom, std::string>::with<bool>,
  caf::replies_to<get_state_atom>::with<node_state>,
  caf::reacts_to<tick_atom>,
  caf::reacts_to<peer_up_atom, std::string, caf::actor>,
  caf::reacts_to<peer_down_atom, std::string, caf::error>,
  caf::reacts_to<hello_atom, std::string, std::string, std::string>,
  caf::reacts_to<hello_ask_atom, std::string>>;

} // namespace armada::aegis

CAF_BEGIN_TYPE_ID_BLOCK(armada_aegis, armada::aegis_first_type_id)
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::member_info))
  CAF_ADD_TYPE_ID(armada_aegis, (std::vector<armada::aegis::member_info>))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::call_request))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::room_message))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::vote_reply))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::join_result))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::room_state))
  CAF_ADD_TYPE_ID(armada_aegis, (std::vector<armada::aegis::room_state>))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::vote_state))
  CAF_ADD_TYPE_ID(armada_aegis, (std::vector<armada::aegis::vote_state>))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::node_state))
  CAF_ADD_TYPE_ID(armada_aegis, (armada::aegis::peer_info))
  CAF_ADD_TYPE_ID(armada_aegis, (std::vector<armada::aegis::peer_info>))
CAF_END_TYPE_ID_BLOCK(armada_aegis)
