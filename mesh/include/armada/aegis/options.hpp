#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "armada/aegis/member.hpp"

namespace armada::capitan {
class instance;
}

namespace armada::aegis {

/// How the entry node decides a join vote.
enum class vote_policy : std::uint8_t {
  majority,  ///< more than half of the voters approve (the default)
  unanimous, ///< every voter approves
};

/// One voter's answer.
enum class vote_decision : std::uint8_t {
  approve = 0,
  reject = 1, ///< counts as one "no"
  veto = 2,   ///< ends the vote at once with a rejection, under either policy
};

/// What a vote predicate returns: the decision and, for a no, the reason the candidate reads.
struct vote {
  vote_decision decision = vote_decision::approve;
  std::string reason;
  static vote approve() { return {}; }
  static vote reject(std::string why) { return {vote_decision::reject, std::move(why)}; }
  static vote veto(std::string why) { return {vote_decision::veto, std::move(why)}; }
};

/// Decides one member's vote on a candidate, given this member's current view of the mesh.
/// Runs in the voting node's actor: must not block. A member approves when every predicate
/// approves; the first reject or veto is its answer.
using vote_predicate =
  std::function<vote(const member_info& candidate, const std::vector<member_info>& members)>;

/// Rejects candidates without `tag`.
vote_predicate require_tag(std::string tag);
/// Rejects candidates once the mesh has `n` live members.
vote_predicate max_members(std::size_t n);
/// Vetoes candidates whose name does not start with `prefix`.
vote_predicate name_prefix(std::string prefix);

/// TLS between nodes (caf_openssl). All three paths are PEM files; with TLS on, the node id is
/// the subject of `certificate`, and peers whose certificate the CA did not sign cannot connect.
struct tls_options {
  std::string ca_file{};
  std::string certificate{};
  std::string key{};
  bool enabled() const { return !certificate.empty(); }
};

/// Everything a node needs to start. Durations are validated by `node::start`.
struct node_options {
  std::string name{};                         ///< required; shown in events and errors
  std::string host{"127.0.0.1"};              ///< interface to publish on and to advertise
  std::uint16_t port = 0;                     ///< 0: pick a free port (see node::port())
  std::vector<std::string> tags{};
  std::vector<std::string> services{};        ///< what execute_any can route to this node
  std::string id{};                           ///< empty: a random UUID (or the TLS subject)
  std::uint64_t incarnation = 1;

  vote_policy policy = vote_policy::majority;
  std::vector<vote_predicate> vote_predicates{};
  std::chrono::milliseconds vote_timeout{2000}; ///< a voter silent this long votes no

  std::chrono::milliseconds heartbeat_interval{200}; ///< gossip to every live peer this often
  std::chrono::milliseconds suspect_after{1000};     ///< silent this long: suspect
  std::chrono::milliseconds dead_after{2500};        ///< silent this long: dead
  /// Also, without TLS, how long a new connection to the port may take to send its first
  /// frame header before the frame guard closes it.
  std::chrono::milliseconds connect_timeout{2000};

  /// Largest call argument or room message this node accepts (and sends), in bytes.
  std::size_t max_payload = 16 * 1024 * 1024;

  /// Plain TCP only: a frame guard owns the public port and closes connections that send
  /// non-BASP bytes or frames announcing more than max_payload + 1 MiB (CAF 0.17 allocates the
  /// announced size). Off: the node actor is published directly (one relay less per message
  /// each way; only for trusted networks).
  bool frame_guard = true;

  tls_options tls{};
  capitan::instance* events = nullptr; ///< where mesh.* and room.message go; null: the node's own
  std::size_t scheduler_threads = 2;   ///< CAF worker threads of the node's actor system
};

} // namespace armada::aegis
