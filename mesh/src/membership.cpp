// Membership of the node actor: gossip merge, failure detection, peer actors, events.

#include <algorithm>

#include <caf/exit_reason.hpp>

#include "armada/aegis/signals.hpp"
#include "armada/runtime/error.hpp"
#include "node_actor_impl.hpp"

namespace armada::aegis::detail {

namespace {

/// Connects to `m` unless connected or connecting; only the node with the lower id connects
/// (the other waits for its hello), so each pair shares one connection. `probe` connects
/// anyway: a refused probe after a lost link declares the member dead.
void ensure_peer(node_self self, const member_info& m, bool probe = false) {
  auto& st = self->state;
  if (m.id == st.table->self().id || st.peers.count(m.id) > 0 || st.leaving
      || (st.table->self().id > m.id && !probe))
    return;
  auto timeout = caf::timespan{st.ctx->opts.connect_timeout};
  auto peer = spawn_peer_actor(self->system(), self, st.ctx->connector, m.id, m.host, m.port, timeout);
  st.peers.emplace(m.id, peer_entry{std::move(peer), false, probe, false, {}});
}

void drop_peer(node_self self, const std::string& id) {
  auto& st = self->state;
  if (auto i = st.peers.find(id); i != st.peers.end()) {
    self->send_exit(i->second.actor, caf::exit_reason::user_shutdown);
    st.peers.erase(i);
  }
  st.ctx->directory.erase(id);
  st.last_heard.erase(id);
  st.lost_links.erase(id);
  st.hello_asked.erase(id);
}

/// Sends our hello (with the identity proof under TLS) to the node actor behind `p`.
void say_hello(node_self self, const peer_entry& p) {
  auto& st = self->state;
  auto [cert, sig] = identity_proof(self, p.proxy.node());
  self->send(p.proxy, hello_atom::value, st.table->self().id, cert, sig);
}

/// Gossip from `from` came over a connection that `from` holds, but this node has no connected
/// peer for it: after a pause past the dead timeout, say, the member still counts on the old
/// connection while we dropped our side, and only the lower id reconnects by itself. Ask the
/// sending peer actor for a hello (at most once per heartbeat), which gives us its proxy again;
/// a member we declared dead then receives our gossip and refutes with a higher incarnation.
void ask_for_hello(node_self self, const std::string& from) {
  auto& st = self->state;
  if (from == st.table->self().id || connected_peer(self, from))
    return;
  // Gossip only ever comes through a peer actor, so the sender is the remote one serving us.
  auto sender = caf::actor_cast<peer_actor>(self->current_sender());
  if (!sender || sender->node() == self->node())
    return;
  auto now = steady::now();
  auto [i, fresh] = st.hello_asked.try_emplace(from, now);
  if (!fresh && now - i->second < st.ctx->opts.heartbeat_interval)
    return;
  i->second = now;
  self->send(sender, hello_ask_atom::value);
}

/// Emits the event of one change and starts or stops its peer actor.
void apply_change(node_self self, const member_change& c) {
  auto& st = self->state;
  auto* bus = st.ctx->events;
  const auto& m = c.after;
  if (m.id == st.table->self().id)
    return; // a refutation: gossip carries it
  auto before = c.before.id.empty() ? member_status::dead : c.before.state();
  bool was_live = !c.before.id.empty() && c.before.is_live();
  switch (m.state()) {
    case member_status::alive:
      if (!was_live) {
        st.last_heard[m.id] = steady::now();
        bus->emit(signals::member_joined, signals::member_id(m.id), signals::member_name(m.name),
                  signals::address(m.address()), signals::incarnation(m.incarnation));
      }
      ensure_peer(self, m);
      break;
    case member_status::suspect:
      if (!was_live)
        st.last_heard[m.id] = steady::now();
      if (before != member_status::suspect)
        bus->emit(signals::member_suspect, signals::member_id(m.id), signals::member_name(m.name),
                  signals::reason("reported by gossip"));
      ensure_peer(self, m);
      break;
    case member_status::dead:
      drop_peer(self, m.id);
      if (was_live)
        bus->emit(signals::member_dead, signals::member_id(m.id), signals::member_name(m.name),
                  signals::reason("reported by gossip"));
      break;
    case member_status::left:
      drop_peer(self, m.id);
      if (was_live)
        bus->emit(signals::member_left, signals::member_id(m.id), signals::member_name(m.name));
      break;
  }
}

/// Local failure detection: marks `id` and emits with the local reason.
void mark(node_self self, const std::string& id, member_status s, const std::string& why) {
  auto& st = self->state;
  auto c = st.table->mark(id, s);
  if (!c)
    return;
  auto& m = c->after;
  if (s == member_status::suspect) {
    st.ctx->events->emit(signals::member_suspect, signals::member_id(m.id),
                         signals::member_name(m.name), signals::reason(why));
  } else if (s == member_status::dead) {
    drop_peer(self, id);
    st.ctx->events->emit(signals::member_dead, signals::member_id(m.id),
                         signals::member_name(m.name), signals::reason(why));
  }
  emit_topology_if_changed(self);
  gossip_all(self);
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

} // namespace

void emit_topology_if_changed(node_self self) {
  auto& st = self->state;
  std::set<std::string> live;
  for (auto& m : st.table->all())
    if (m.is_live())
      live.insert(m.id);
  if (live == st.live_ids)
    return;
  st.live_ids = std::move(live);
  st.ctx->events->emit(signals::topology_changed, signals::members(st.live_ids.size()),
                       signals::digest(st.table->topology_digest()));
}

void gossip_all(node_self self) {
  auto& st = self->state;
  auto all = st.table->all();
  std::vector<std::string> rooms{st.rooms_known.begin(), st.rooms_known.end()};
  for (auto& [id, p] : st.peers)
    if (p.connected)
      self->send(p.actor, gossip_atom::value, st.table->self().id, all, rooms);
}

void merge_entries(node_self self, const std::vector<member_info>& entries) {
  auto& st = self->state;
  bool changed = false;
  for (auto& e : entries) {
    if (auto c = st.table->merge(e)) {
      changed = true;
      apply_change(self, *c);
    }
  }
  if (changed) {
    emit_topology_if_changed(self);
    gossip_all(self);
  }
}

void on_gossip(node_self self, const std::string& from, const std::vector<member_info>& entries,
               const std::vector<std::string>& rooms) {
  auto& st = self->state;
  if (st.leaving)
    return;
  if (auto i = st.last_heard.find(from); i != st.last_heard.end())
    i->second = steady::now();
  ask_for_hello(self, from);
  auto before = st.rooms_known.size();
  st.rooms_known.insert(rooms.begin(), rooms.end());
  merge_entries(self, entries);
  if (st.rooms_known.size() != before)
    gossip_all(self);
}

void on_tick(node_self self) {
  auto& st = self->state;
  if (st.leaving)
    return;
  auto& o = st.ctx->opts;
  auto now = steady::now();
  // A tick far behind schedule means this process was paused (SIGSTOP, debugger): everyone
  // looks silent, but the silence is ours. Start counting again instead of declaring them dead.
  if (st.last_tick != steady::time_point{} && now - st.last_tick > o.suspect_after / 2)
    for (auto& [id, t] : st.last_heard)
      t = now;
  st.last_tick = now;
  // A member whose own connection broke and that did not come back within a heartbeat: probe
  // it (a refused connection means the process is gone).
  for (auto i = st.lost_links.begin(); i != st.lost_links.end();) {
    auto m = st.table->find(i->first);
    if (now - i->second < o.heartbeat_interval) {
      ++i;
      continue;
    }
    if (m && m->is_live() && st.peers.count(m->id) == 0)
      ensure_peer(self, *m, true);
    i = st.lost_links.erase(i);
  }
  for (auto& m : st.table->live_peers()) {
    ensure_peer(self, m);
    auto heard = st.last_heard.try_emplace(m.id, now).first->second;
    auto silent = now - heard;
    if (silent > o.dead_after)
      mark(self, m.id, member_status::dead, "no heartbeat for " + ms(o.dead_after));
    else if (silent > o.suspect_after && m.state() == member_status::alive)
      mark(self, m.id, member_status::suspect, "no heartbeat for " + ms(o.suspect_after));
  }
  gossip_all(self);
  answer_join_waiters(self);
}

void adopt_peer(node_self self, const std::string& id, node_actor proxy, bool we_opened) {
  auto& st = self->state;
  if (!proxy || id == st.table->self().id || st.leaving)
    return;
  if (auto i = st.peers.find(id); i != st.peers.end()) {
    if (i->second.connected)
      return;
    self->send_exit(i->second.actor, caf::exit_reason::user_shutdown);
    st.peers.erase(i);
  }
  auto& o = st.ctx->opts;
  auto peer = spawn_peer_actor(self->system(), self, st.ctx->connector, id, {}, 0,
                               caf::timespan{o.connect_timeout}, std::move(proxy));
  st.peers.emplace(id, peer_entry{std::move(peer), false, false, !we_opened, {}});
}

void on_hello(node_self self, const std::string& id, const std::string& certificate,
              const std::string& signature) {
  if (!check_identity(self, id, certificate, signature).empty())
    return; // a node claiming another certificate's id: it is not that member's proxy
  adopt_peer(self, id, caf::actor_cast<node_actor>(self->current_sender()));
}

void answer_join_waiters(node_self self) {
  auto& st = self->state;
  if (st.join_waiters.empty())
    return;
  bool all_connected = true;
  for (auto& m : st.table->live_peers())
    if (m.state() == member_status::alive && !connected_peer(self, m.id))
      all_connected = false;
  auto now = steady::now();
  auto waiters = std::move(st.join_waiters);
  st.join_waiters.clear();
  for (auto& w : waiters) {
    if (all_connected || now >= w.deadline)
      w.promise.deliver(std::move(w.result));
    else
      st.join_waiters.push_back(std::move(w));
  }
}

void on_peer_up(node_self self, const std::string& id, const caf::actor& proxy) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end() || i->second.actor.address() != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return; // a peer actor we already dropped
  if (auto m = st.table->find(id))
    st.ctx->directory.put(id, m->name, caf::actor_cast<node_actor>(proxy));
  i->second.connected = true;
  i->second.was_connected = true;
  i->second.proxy = caf::actor_cast<node_actor>(proxy);
  st.lost_links.erase(id);
  st.hello_asked.erase(id);
  if (!i->second.adopted)
    say_hello(self, i->second);
  std::vector<std::string> rooms{st.rooms_known.begin(), st.rooms_known.end()};
  self->send(i->second.actor, gossip_atom::value, st.table->self().id, st.table->all(), rooms);
  answer_join_waiters(self);
}

void on_peer_down(node_self self, const std::string& id, const caf::error& reason) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end() || i->second.actor.address() != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return;
  bool link_lost = i->second.connected;
  bool reconnect_failed = !i->second.connected && i->second.was_connected;
  bool we_connect = st.table->self().id < id;
  st.peers.erase(i);
  st.ctx->directory.erase(id);
  auto m = st.table->find(id);
  if (!m || !m->is_live() || st.leaving)
    return;
  if (link_lost) {
    // CAF killed the proxy (remote_link_unreachable): suspect, and try once to reconnect.
    mark(self, id, member_status::suspect, "connection lost (" + armada::describe(reason) + ")");
    if (we_connect) {
      ensure_peer(self, *m);
      if (auto p = st.peers.find(id); p != st.peers.end())
        p->second.was_connected = true;
    } else {
      st.lost_links[id] = steady::now(); // it reconnects and says hello, or gets probed
    }

  } else if (reconnect_failed) {
    mark(self, id, member_status::dead,
         "connection lost and reconnecting to " + m->address() + " failed ("
           + armada::describe(reason) + ")");
  }
  // A first connection that failed is retried on the next tick.
  answer_join_waiters(self);
}

void on_member_leaving(node_self self, const std::string& id) {
  auto& st = self->state;
  auto m = st.table->find(id);
  if (!m || id == st.table->self().id)
    return;
  auto entry = *m;
  entry.status = static_cast<std::uint8_t>(member_status::left);
  merge_entries(self, {entry});
}

void on_hello_asked(node_self self, const std::string& id) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (st.leaving || i == st.peers.end() || !i->second.connected
      || i->second.actor.address() != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return;
  say_hello(self, i->second);
}

std::optional<peer_actor> connected_peer(node_self self, const std::string& id) {
  auto& st = self->state;
  if (auto i = st.peers.find(id); i != st.peers.end() && i->second.connected)
    return i->second.actor;
  return std::nullopt;
}

} // namespace armada::aegis::detail
