// The peer actor: one per remote member, holding the CAF proxy of that member's node actor.

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "node_context.hpp"

namespace armada::aegis::detail {

namespace {

struct peer_state {
  peer_state() = default;
  node_actor proxy;
  bool adopted = false;
  std::uint64_t forwarded = 0;
  static inline const char* name = "aegis.peer";
};

caf::error not_connected(const std::string& id) {
  return make_error(errc::unreachable, "aegis: member " + id + " is not connected yet; retry "
                                         "once it shows up in node.state().connected");
}

peer_actor::behavior_type peer_actor_fn(peer_actor::stateful_pointer<peer_state> self, node_actor owner,
                            caf::io::middleman_actor connector, std::string id, std::string host,
                            std::uint16_t port, caf::timespan timeout, node_actor adopted) {
  self->set_down_handler([self, owner, id](caf::down_msg& dm) {
    self->send(owner, peer_down_atom::value, id, dm.reason);
    self->quit();
  });
  auto up = [self, owner, id](node_actor proxy) {
    self->state.proxy = std::move(proxy);
    self->monitor(self->state.proxy);
    self->send(owner, peer_up_atom::value, id, caf::actor_cast<caf::actor>(self->state.proxy));
  };
  if (adopted) {
    self->state.adopted = true;
    up(std::move(adopted)); // the remote node connected to us: use its connection
  } else {
    self->request(connector, timeout, caf::connect_atom::value, host, port)
      .then(
        [self, owner, id, host, port, up](caf::node_id&, caf::strong_actor_ptr& ptr,
                                          std::set<std::string>&) {
          if (ptr) {
            up(caf::actor_cast<node_actor>(ptr));
            return;
          }
          self->send(owner, peer_down_atom::value, id,
                     make_error(errc::network, "aegis: " + host + ":" + std::to_string(port)
                                                 + " has no published node actor"));
          self->quit();
        },
        [self, owner, id](caf::error& err) {
          self->send(owner, peer_down_atom::value, id, err);
          self->quit();
        });
  }
  return {
    [self](gossip_atom a, std::string& from, std::vector<member_info>& members,
           std::vector<std::string>& rooms) {
      if (self->state.proxy) {
        ++self->state.forwarded;
        self->send(self->state.proxy, a, std::move(from), std::move(members), std::move(rooms));
      }
    },
    [self, id](room_msg_atom a, room_message& msg) {
      if (self->state.proxy) {
        ++self->state.forwarded;
        self->send(self->state.proxy, a, std::move(msg));
      }
    },
    [self, id](vote_atom a, member_info& candidate) -> caf::result<vote_reply> {
      if (!self->state.proxy)
        return not_connected(id);
      ++self->state.forwarded;
      return self->delegate(self->state.proxy, a, std::move(candidate));
    },
    [self, id](exec_atom a, call_request& call) -> caf::result<std::string> {
      if (!self->state.proxy)
        return not_connected(id);
      ++self->state.forwarded;
      return self->delegate(self->state.proxy, a, std::move(call));
    },
    [self, id](get_state_atom) {
      auto& st = self->state;
      return peer_info{id, static_cast<bool>(st.proxy), st.adopted, st.forwarded};
    },
    [self, owner, id](hello_ask_atom a) {
      // The remote node hears our gossip but holds no connection for us: our owner says hello.
      if (self->state.proxy)
        self->send(owner, a, id);
    },
    [self, id](leave_atom a, std::string& who) -> caf::result<bool> {
      if (!self->state.proxy)
        return not_connected(id);
      ++self->state.forwarded;
      return self->delegate(self->state.proxy, a, std::move(who));
    },
  };
}

} // namespace

peer_actor spawn_peer_actor(caf::actor_system& sys, node_actor owner,
                            caf::io::middleman_actor connector, std::string id,
                            std::string host, std::uint16_t port, caf::timespan timeout,
                            node_actor proxy) {
  return sys.spawn(peer_actor_fn, std::move(owner), std::move(connector), std::move(id),
                   std::move(host), port, timeout, std::move(proxy));
}

} // namespace armada::aegis::detail
