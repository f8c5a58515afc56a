// The node actor's behavior: dispatches to membership, voting, calls and rooms.

#include <caf/exit_reason.hpp>

#include "node_actor_impl.hpp"

namespace armada::aegis::detail {

namespace {

caf::result<bool> leave(node_self self) {
  auto& st = self->state;
  if (st.leaving)
    return true;
  st.leaving = true;
  auto& me = st.table->self();
  me.status = static_cast<std::uint8_t>(member_status::left);
  std::vector<peer_actor> peers;
  for (auto& [id, p] : st.peers)
    if (p.connected)
      peers.push_back(p.actor);
  if (peers.empty())
    return true;
  auto promise = self->make_response_promise<bool>();
  auto remaining = std::make_shared<std::size_t>(peers.size());
  auto one_done = [promise, remaining]() mutable {
    if (--*remaining == 0)
      promise.deliver(true);
  };
  for (auto& p : peers)
    self->request(p, std::chrono::seconds{1}, leave_atom::value, me.id)
      .then([one_done](bool) mutable { one_done(); },
            [one_done](caf::error&) mutable { one_done(); });
  return promise;
}

node_state state_of(node_self self) {
  auto& st = self->state;
  node_state s;
  s.self = st.table->self();
  s.members = st.table->all();
  for (auto& [id, p] : st.peers) {
    if (p.connected)
      s.connected.push_back(id);
    s.peers.push_back(peer_info{id, p.connected, p.adopted, 0});
  }
  s.rooms = rooms_of(self);
  for (auto& [vid, v] : st.votes)
    s.pending_votes.push_back(vote_state{v.candidate, v.yes, v.no, v.voters - v.yes - v.no});
  s.functions = st.ctx->functions.names();
  s.topology_digest = st.table->topology_digest();
  s.calls_served = st.calls_served;
  s.leaving = st.leaving;
  return s;
}

node_actor::behavior_type node_actor_fn(node_self self, node_context* ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  st.table.emplace(ctx->self);
  st.live_ids.insert(ctx->self.id);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [id, p] : self->state.peers)
      self->send_exit(p.actor, msg.reason);
    self->state.peers.clear();
    self->state.ctx->directory.clear();
    self->quit(msg.reason);
  });
  return {
    [self](gossip_atom, std::string& from, std::vector<member_info>& entries,
           std::vector<std::string>& rooms) { on_gossip(self, from, entries, rooms); },
    [self](join_atom, member_info& candidate, std::string& cert, std::string& sig) {
      return on_join(self, std::move(candidate), cert, sig);
    },
    [self](join_via_atom, std::string& host, std::uint16_t port) {
      return on_join_via(self, std::move(host), port);
    },
    [self](vote_atom, member_info& candidate) { return on_vote(self, candidate); },
    [self](exec_atom, call_request& call) { return on_exec(self, std::move(call)); },
    [self](route_atom, std::string& peer, call_request& call) {
      return on_route(self, peer, std::move(call));
    },
    [self](route_any_atom, std::string& service, call_request& call) {
      return on_route_any(self, service, std::move(call));
    },
    [self](room_msg_atom, room_message& msg) { on_room_message(self, msg); },
    [self](room_atom, std::uint8_t op, std::string& room) {
      return on_room(self, static_cast<room_op>(op), room);
    },
    [self](bcast_atom, std::string& room, std::string& payload) {
      return on_broadcast(self, room, std::move(payload));
    },
    [self](leave_atom) { return leave(self); },
    [self](leave_atom, std::string& id) {
      on_member_leaving(self, id);
      return true;
    },
    [self](get_state_atom) { return state_of(self); },
    [self](tick_atom) {
      on_tick(self);
      if (!self->state.leaving)
        self->delayed_send(self, self->state.ctx->opts.heartbeat_interval, tick_atom::value);
    },
    [self](peer_up_atom, std::string& id, caf::actor& proxy) { on_peer_up(self, id, proxy); },
    [self](peer_down_atom, std::string& id, caf::error& reason) { on_peer_down(self, id, reason); },
    [self](hello_atom, std::string& id, std::string& cert, std::string& sig) {
      on_hello(self, id, cert, sig);
    },
    [self](hello_ask_atom, std::string& id) { on_hello_asked(self, id); },
  };
}

} // namespace

std::pair<std::string, std::string> identity_proof(node_self self, const caf::node_id& to) {
  auto& id = self->state.ctx->identity;
  if (!id)
    return {};
  return {id->certificate(), id->prove(to_string(to))};
}

std::string check_identity(node_self self, const std::string& id, const std::string& certificate,
                           const std::string& signature) {
  auto& mine = self->state.ctx->identity;
  if (!mine)
    return {};
  return mine->check(id, to_string(self->system().node()), certificate, signature);
}

node_actor spawn_node_actor(node_context& ctx) {
  return ctx.sys->spawn<caf::lazy_init>(node_actor_fn, &ctx);
}

} // namespace armada::aegis::detail
