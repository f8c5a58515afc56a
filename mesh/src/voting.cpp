// Join voting: the entry node collects votes from the live members; the candidate's side.

#include <algorithm>

#include "armada/runtime/error.hpp"
#include "node_actor_impl.hpp"

namespace armada::aegis {

vote_predicate require_tag(std::string tag) {
  return [tag](const member_info& c, const std::vector<member_info>&) {
    return c.has_tag(tag) ? vote::approve() : vote::reject("missing required tag '" + tag + "'");
  };
}

vote_predicate max_members(std::size_t n) {
  return [n](const member_info&, const std::vector<member_info>& members) {
    auto live = std::count_if(members.begin(), members.end(),
                              [](const member_info& m) { return m.is_live(); });
    return static_cast<std::size_t>(live) < n
             ? vote::approve()
             : vote::reject("the mesh is full (" + std::to_string(n) + " members)");
  };
}

vote_predicate name_prefix(std::string prefix) {
  return [prefix](const member_info& c, const std::vector<member_info>&) {
    return c.name.rfind(prefix, 0) == 0
             ? vote::approve()
             : vote::veto("name '" + c.name + "' does not start with '" + prefix + "'");
  };
}

} // namespace armada::aegis

namespace armada::aegis::detail {

namespace {

void finish(node_self self, std::uint64_t vid, bool approved) {
  auto& st = self->state;
  auto i = st.votes.find(vid);
  if (i == st.votes.end())
    return;
  auto v = std::move(i->second);
  st.votes.erase(i);
  auto tally = std::to_string(v.yes) + " of " + std::to_string(v.voters) + " voters approved";
  if (!approved) {
    std::string reason = "join of '" + v.candidate.name + "' rejected ("
                         + (st.ctx->opts.policy == vote_policy::unanimous ? "unanimous" : "majority")
                         + " vote, " + tally + ")";
    for (auto& r : v.reasons)
      reason += "; " + r;
    v.promise.deliver(join_result{false, std::move(reason), {}, {}, 0});
    return;
  }
  auto entry = v.candidate;
  if (auto old = st.table->find(entry.id))
    entry.incarnation = std::max(entry.incarnation, old->incarnation + 1);
  entry.status = static_cast<std::uint8_t>(member_status::alive);
  adopt_peer(self, entry.id, v.candidate_proxy); // reuse the join connection
  merge_entries(self, {entry}); // emits member_joined and gossips it to every member
  v.promise.deliver(join_result{true, "approved: " + tally, st.table->all(),
                                {st.rooms_known.begin(), st.rooms_known.end()},
                                entry.incarnation, st.table->self().id});
}

void tally(node_self self, std::uint64_t vid, const vote_reply& r) {
  auto& st = self->state;
  auto i = st.votes.find(vid);
  if (i == st.votes.end())
    return;
  auto& v = i->second;
  auto d = static_cast<vote_decision>(r.decision);
  if (d == vote_decision::approve) {
    ++v.yes;
  } else {
    ++v.no;
    v.reasons.push_back(r.voter + (d == vote_decision::veto ? " vetoed: " : ": ") + r.reason);
  }
  if (d == vote_decision::veto)
    return finish(self, vid, false);
  if (st.ctx->opts.policy == vote_policy::unanimous) {
    if (v.no > 0)
      finish(self, vid, false);
    else if (v.yes == v.voters)
      finish(self, vid, true);
  } else {
    if (2 * v.yes > v.voters)
      finish(self, vid, true);
    else if (2 * v.no >= v.voters)
      finish(self, vid, false);
  }
}

} // namespace

vote_reply on_vote(node_self self, const member_info& candidate) {
  auto& st = self->state;
  auto members = st.table->all();
  for (auto& p : st.ctx->opts.vote_predicates) {
    try {
      auto v = p(candidate, members);
      if (v.decision != vote_decision::approve)
        return {st.table->self().name, static_cast<std::uint8_t>(v.decision), v.reason};
    } catch (const std::exception& ex) {
      return {st.table->self().name, static_cast<std::uint8_t>(vote_decision::reject),
              std::string{"a vote predicate threw: "} + ex.what()};
    }
  }
  return {st.table->self().name, static_cast<std::uint8_t>(vote_decision::approve), {}};
}

caf::result<join_result> on_join(node_self self, member_info candidate,
                                 const std::string& certificate, const std::string& signature) {
  auto& st = self->state;
  if (st.leaving)
    return join_result{false, "the entry node is leaving the mesh; join through another member", {}, {}, 0};
  if (candidate.id.empty() || candidate.name.empty())
    return join_result{false, "the candidate has no id or no name", {}, {}, 0};
  if (auto wrong = check_identity(self, candidate.id, certificate, signature); !wrong.empty())
    return join_result{false, "the candidate claims id " + candidate.id + " but " + wrong
                                + "; with TLS a node's id is its certificate subject",
                       {}, {}, 0};
  if (auto m = st.table->find(candidate.id); m && m->is_live())
    return join_result{false, "a live member already has id " + candidate.id
                                + "; give every node its own id",
                       {}, {}, 0};
  auto vid = st.next_vote++;
  auto& v = st.votes[vid];
  v.candidate = candidate;
  v.candidate_proxy = caf::actor_cast<node_actor>(self->current_sender());
  v.promise = self->make_response_promise<join_result>();
  auto promise = v.promise;
  std::vector<std::pair<std::string, peer_actor>> remote;
  for (auto& m : st.table->live_peers())
    if (m.state() == member_status::alive)
      if (auto p = connected_peer(self, m.id))
        remote.emplace_back(m.name, *p);
  v.voters = static_cast<std::uint32_t>(1 + remote.size());
  tally(self, vid, on_vote(self, candidate));
  auto timeout = st.ctx->opts.vote_timeout;
  for (auto& [name, peer] : remote) {
    if (st.votes.count(vid) == 0)
      break;
    self->request(peer, caf::timespan{timeout}, vote_atom::value, candidate)
      .then([self, vid](vote_reply& r) { tally(self, vid, r); },
            [self, vid, name = name, timeout](caf::error&) {
              tally(self, vid,
                    vote_reply{name, static_cast<std::uint8_t>(vote_decision::reject),
                               "no vote within " + std::to_string(timeout.count()) + " ms"});
            });
  }
  return promise;
}

caf::result<join_result> on_join_via(node_self self, std::string host, std::uint16_t port) {
  auto& st = self->state;
  auto promise = self->make_response_promise<join_result>();
  auto addr = host + ":" + std::to_string(port);
  auto& o = st.ctx->opts;
  auto join_timeout = caf::timespan{o.vote_timeout + o.connect_timeout};
  self->request(st.ctx->connector, caf::timespan{o.connect_timeout}, caf::connect_atom::value,
                host, port)
    .then(
      [self, promise, addr, join_timeout](caf::node_id& nid, caf::strong_actor_ptr& ptr,
                                          std::set<std::string>&) mutable {
        if (!ptr) {
          promise.deliver(make_error(errc::network, "aegis: nothing is published at " + addr
                                                      + "; is an aegis node running there?"));
          return;
        }
        auto entry = caf::actor_cast<node_actor>(ptr);
        auto [cert, sig] = identity_proof(self, nid);
        self->request(entry, join_timeout, join_atom::value, self->state.table->self(), cert, sig)
          .then(
            [self, promise, entry](join_result& r) mutable {
              if (r.approved) {
                auto& st = self->state;
                adopt_peer(self, r.entry_id, entry, true); // reuse the join connection
                auto& me = st.table->self();
                me.incarnation = std::max(me.incarnation, r.incarnation);
                st.rooms_known.insert(r.rooms.begin(), r.rooms.end());
                merge_entries(self, r.members);
                gossip_all(self);
                // Answer once connected to every member, so the caller can call them at once.
                auto deadline = steady::now() + st.ctx->opts.connect_timeout;
                st.join_waiters.push_back(join_waiter{promise, std::move(r), deadline});
                answer_join_waiters(self);
                return;
              }
              promise.deliver(std::move(r));
            },
            [promise, addr](caf::error& err) mutable {
              promise.deliver(make_error(code_of(err) == errc::timeout ? errc::timeout : errc::network,
                                         "aegis: the join request to " + addr
                                           + " got no answer (" + armada::describe(err)
                                           + "); is the vote timeout longer than the call's?"));
            });
      },
      [promise, addr](caf::error& err) mutable {
        promise.deliver(make_error(errc::network, "aegis: cannot connect to " + addr + " ("
                                                    + armada::describe(err)
                                                    + "); is an aegis node running there?"));
      });
  return promise;
}

} // namespace armada::aegis::detail
