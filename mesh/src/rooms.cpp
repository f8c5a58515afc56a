// Rooms on the node actor. A room's members are the live members whose entry lists it, so a
// room outlives its creator and a dead member leaves every room with its entry.

#include <algorithm>

#include "armada/aegis/signals.hpp"
#include "node_actor_impl.hpp"

namespace armada::aegis::detail {

caf::result<bool> on_room(node_self self, room_op op, const std::string& room) {
  auto& st = self->state;
  if (room.empty())
    return make_error(errc::config, "aegis: a room needs a non-empty name");
  auto& rooms = st.table->self().rooms;
  bool member = std::find(rooms.begin(), rooms.end(), room) != rooms.end();
  switch (op) {
    case room_op::create:
      st.rooms_known.insert(room);
      [[fallthrough]];
    case room_op::join:
      if (st.rooms_known.count(room) == 0)
        return make_error(errc::unknown_room, "aegis: no room '" + room
                                                + "' exists in the mesh; create it with create_room");
      if (member)
        return false;
      rooms.push_back(room);
      break;
    case room_op::leave:
      if (!member)
        return false;
      rooms.erase(std::find(rooms.begin(), rooms.end(), room));
      break;
  }
  st.table->touch_self();
  gossip_all(self);
  return true;
}

caf::result<std::uint64_t> on_broadcast(node_self self, const std::string& room,
                                        std::string payload) {
  auto& st = self->state;
  if (st.rooms_known.count(room) == 0)
    return make_error(errc::unknown_room,
                      "aegis: no room '" + room + "' exists in the mesh; create it with create_room");
  if (auto err = check_size(self, "a message to room '" + room + "'", payload))
    return err;
  const auto& me = st.table->self();
  room_message msg{room, me.id, me.name, std::move(payload)};
  std::uint64_t sent = 0;
  for (auto& m : st.table->all()) {
    if (!m.is_live() || !m.in_room(room))
      continue;
    if (m.id == me.id) {
      on_room_message(self, msg);
      ++sent;
    } else if (auto p = connected_peer(self, m.id)) {
      self->send(*p, room_msg_atom::value, msg);
      ++sent;
    }
  }
  return sent;
}

void on_room_message(node_self self, const room_message& msg) {
  auto& st = self->state;
  if (!st.table->self().in_room(msg.room) || check_size(self, "a room message", msg.payload))
    return; // left the room while the message travelled, or too large for this node
  st.ctx->handlers.deliver(msg);
  st.ctx->events->emit(signals::room_message, signals::room(msg.room),
                       signals::member_id(msg.sender_id), signals::member_name(msg.sender_name),
                       signals::payload(msg.payload));
}

std::vector<room_state> rooms_of(node_self self) {
  auto& st = self->state;
  std::vector<room_state> result;
  auto all = st.table->all();
  for (auto& r : st.rooms_known) {
    room_state rs{r, {}};
    for (auto& m : all)
      if (m.is_live() && m.in_room(r))
        rs.members.push_back(m.id);
    result.push_back(std::move(rs));
  }
  return result;
}

} // namespace armada::aegis::detail
