// Remote execution on the node actor: serving calls, routing them to peers, round robin.

#include <algorithm>

#include "armada/runtime/error.hpp"
#include "node_actor_impl.hpp"

namespace armada::aegis::detail {

namespace {

constexpr std::size_t idempotency_capacity = 4096;

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "none" : out;
}

caf::expected<std::string> run(node_self self, const call_request& call) {
  auto& st = self->state;
  const auto& me = st.table->self();
  auto fn = st.ctx->functions.find(call.function);
  if (!fn)
    return make_error(errc::unknown_function,
                      "aegis node '" + me.name + "' has no function '" + call.function
                        + "' (registered: " + joined(st.ctx->functions.names())
                        + "); register it on that node with register_function");
  auto& allow = fn->opts.allowed_callers;
  if (!allow.empty() && std::find(allow.begin(), allow.end(), call.caller_name) == allow.end()
      && std::find(allow.begin(), allow.end(), call.caller_id) == allow.end())
    return make_error(errc::unauthorized,
                      "aegis node '" + me.name + "': caller '" + call.caller_name
                        + "' may not call '" + call.function
                        + "'; add it to function_options::allowed_callers");
  try {
    return fn->fn(call);
  } catch (const std::exception& ex) {
    return make_error(errc::remote_exception, "function '" + call.function + "' on node '"
                                                + me.name + "' threw: " + ex.what());
  } catch (...) {
    return make_error(errc::remote_exception, "function '" + call.function + "' on node '"
                                                + me.name + "' threw a non-std exception");
  }
}

} // namespace

caf::error check_size(node_self self, const std::string& what, const std::string& payload) {
  auto max = self->state.ctx->opts.max_payload;
  if (payload.size() <= max)
    return caf::none;
  return make_error(errc::too_large, "aegis node '" + self->state.table->self().name + "': "
                                       + what + " of " + std::to_string(payload.size())
                                       + " bytes exceeds max_payload (" + std::to_string(max)
                                       + " bytes); send less or raise node_options::max_payload");
}

caf::result<std::string> on_exec(node_self self, call_request call) {
  auto& st = self->state;
  if (auto err = check_size(self, "the argument of '" + call.function + "'", call.payload))
    return err;
  if (st.leaving)
    return make_error(errc::stopped, "aegis node '" + st.table->self().name
                                       + "' is leaving the mesh; call another member");
  if (call.idempotency_key.empty()) {
    ++st.calls_served;
    return run(self, call);
  }
  auto key = std::make_pair(call.caller_id, call.idempotency_key);
  if (auto i = st.idempotent.find(key); i != st.idempotent.end())
    return i->second;
  ++st.calls_served;
  auto res = run(self, call);
  st.idempotent.emplace(key, res);
  st.idempotent_order.push_back(key);
  if (st.idempotent_order.size() > idempotency_capacity) {
    st.idempotent.erase(st.idempotent_order.front());
    st.idempotent_order.pop_front();
  }
  return res;
}

caf::result<std::string> on_route(node_self self, const std::string& peer, call_request call) {
  auto& st = self->state;
  auto m = st.table->find_live(peer);
  if (!m)
    return make_error(errc::unknown_peer, "aegis: no live member has the id or name '" + peer
                                            + "'; see node.members() for who is in the mesh");
  if (m->id == st.table->self().id)
    return on_exec(self, std::move(call));
  auto p = connected_peer(self, m->id);
  if (!p)
    return make_error(errc::unreachable, "aegis: member '" + m->name + "' (" + m->address()
                                           + ") is not connected; retry shortly");
  auto rp = self->make_response_promise();
  rp.delegate(*p, exec_atom::value, std::move(call));
  return caf::delegated<std::string>{};
}

caf::result<std::string> on_route_any(node_self self, const std::string& service,
                                      call_request call) {
  auto& st = self->state;
  std::vector<member_info> providers;
  for (auto& m : st.table->all())
    if (m.state() == member_status::alive && m.offers(service)
        && (m.id == st.table->self().id || connected_peer(self, m.id)))
      providers.push_back(m);
  if (providers.empty())
    return make_error(errc::no_provider, "aegis: no live member declares service '" + service
                                           + "'; list it in node_options::services");
  auto& next = st.round_robin[service];
  auto& pick = providers[next++ % providers.size()];
  return on_route(self, pick.id, std::move(call));
}

} // namespace armada::aegis::detail
