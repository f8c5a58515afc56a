#pragma once

#include <cstdint>
#include <string>

#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"

namespace armada::aegis::signals {

/// A member joined (or came back). Fields: member_id, member_name, address, incarnation.
inline const capitan::signal member_joined{"mesh.member_joined", "a member joined the mesh"};
/// A member stopped answering. Fields: member_id, member_name, reason.
inline const capitan::signal member_suspect{"mesh.member_suspect", "a member is suspected to have failed"};
/// A member left gracefully. Fields: member_id, member_name.
inline const capitan::signal member_left{"mesh.member_left", "a member left the mesh"};
/// A member was declared dead. Fields: member_id, member_name, reason.
inline const capitan::signal member_dead{"mesh.member_dead", "a member was declared dead"};
/// The set of live members changed. Fields: members (live count), digest.
inline const capitan::signal topology_changed{"mesh.topology_changed", "the set of live members changed"};
/// A room message reached this node. Fields: room, member_id (sender), member_name, payload.
inline const capitan::signal room_message{"room.message", "a room message was delivered"};

inline const capitan::key<std::string> member_id{"member_id"};
inline const capitan::key<std::string> member_name{"member_name"};
inline const capitan::key<std::string> address{"address"};
inline const capitan::key<std::uint64_t> incarnation{"incarnation"};
inline const capitan::key<std::string> reason{"reason"};
inline const capitan::key<std::uint64_t> members{"members"};
inline const capitan::key<std::uint64_t> digest{"digest"};
inline const capitan::key<std::string> room{"room"};
inline const capitan::key<std::string> payload{"payload"};

} // namespace armada::aegis::signals
