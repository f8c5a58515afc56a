#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace armada::aegis {

/// Where a member is in its life cycle. Later states win over earlier ones at the same
/// incarnation and revision: alive < suspect < dead < left.
enum class member_status : std::uint8_t { alive = 0, suspect = 1, dead = 2, left = 3 };

/// "alive", "suspect", "dead", "left".
std::string_view to_string(member_status s);

/// One node of the mesh as every member sees it. Gossiped entry by entry: the entry with the
/// higher (incarnation, revision, status) wins. Only the node itself raises its incarnation
/// (to refute a suspicion or to come back after being declared dead) and its revision (when
/// its tags, services or rooms change).
struct member_info {
  std::string id;                     ///< a UUID, or the certificate subject with TLS on
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  std::vector<std::string> tags;
  std::vector<std::string> services;
  std::vector<std::string> rooms;     ///< rooms this member is in
  std::uint64_t incarnation = 1;
  std::uint64_t revision = 0;
  std::uint8_t status = 0;            ///< a member_status

  member_status state() const { return static_cast<member_status>(status); }
  bool is_live() const { return state() == member_status::alive || state() == member_status::suspect; }
  std::string address() const { return host + ":" + std::to_string(port); }
  bool has_tag(std::string_view t) const;
  bool offers(std::string_view service) const;
  bool in_room(std::string_view room) const;

  friend bool operator==(const member_info&, const member_info&) = default;

  template <class Inspector>
  friend auto inspect(Inspector& f, member_info& x) {
    return f(x.id, x.name, x.host, x.port, x.tags, x.services, x.rooms, x.incarnation,
             x.revision, x.status);
  }
};

/// Whether `a` supersedes `b` (same member): higher incarnation, then higher revision, then the
/// later status.
bool supersedes(const member_info& a, const member_info& b);

/// What a merge changed for one member, so the node can emit events and manage peers.
struct member_change {
  member_info before; ///< empty id when the member was new
  member_info after;
};

/// The member table of one node: itself plus every member it heard of (dead and left members
/// stay as tombstones so old gossip cannot bring them back). Pure data: no actors, no time.
class member_table {
public:
  explicit member_table(member_info self);

  const member_info& self() const { return self_; }
  member_info& self() { return self_; }

  /// Every member, the node itself included, ordered by id.
  std::vector<member_info> all() const;

  /// Alive and suspect members other than the node itself.
  std::vector<member_info> live_peers() const;

  /// The entry of `id` (the node itself included), or nothing.
  std::optional<member_info> find(const std::string& id) const;

  /// The live member whose id or name is `key` (the node itself included).
  std::optional<member_info> find_live(const std::string& key) const;

  /// Merges one gossiped entry. Entries about the node itself never replace it: a claim that it
  /// is suspect, dead or left at its incarnation or above makes it raise its incarnation (the
  /// refutation, returned as a change of itself); a claim at the largest incarnation cannot be
  /// outbid and is ignored. Returns the change, if any.
  std::optional<member_change> merge(const member_info& entry);

  /// Sets the status of another member (local failure detection) at its current incarnation;
  /// returns the change, or nothing when the member is unknown, is the node itself or already
  /// had a later status.
  std::optional<member_change> mark(const std::string& id, member_status s);

  /// Bumps the node's own revision after it changed its tags, services or rooms.
  void touch_self() { ++self_.revision; }

  /// A digest of (id, incarnation, status) of every member: equal on every node that has the
  /// same view of who is in the mesh (tags and rooms are not part of it).
  std::uint64_t topology_digest() const;

private:
  member_info self_;
  std::map<std::string, member_info> others_;
};

} // namespace armada::aegis
