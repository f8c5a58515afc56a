#include "armada/aegis/node.hpp"

#include <algorithm>
#include <filesystem>

#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>

#include "armada/capitan/config.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "node_context.hpp"
#include "frame_guard.hpp"

namespace armada::aegis {

std::size_t node_state::live_count() const {
  return static_cast<std::size_t>(
    std::count_if(members.begin(), members.end(), [](const member_info& m) { return m.is_live(); }));
}

namespace {

using std::chrono::milliseconds;

/// What a frame may carry beyond one payload: the message header, member tables, names.
constexpr std::size_t frame_overhead = 1024 * 1024;

caf::error validate(const node_options& o) {
  auto bad = [](std::string text) { return make_error(errc::config, "aegis: " + std::move(text)); };
  if (o.name.empty())
    return bad("node_options::name is empty; give every node a name");
  if (o.host.empty())
    return bad("node_options::host is empty; use \"127.0.0.1\" for a local mesh");
  if (o.heartbeat_interval <= milliseconds{0})
    return bad("node_options::heartbeat_interval must be positive");
  if (o.suspect_after <= o.heartbeat_interval)
    return bad("node_options::suspect_after (" + std::to_string(o.suspect_after.count())
               + " ms) must be longer than heartbeat_interval ("
               + std::to_string(o.heartbeat_interval.count()) + " ms)");
  if (o.dead_after <= o.suspect_after)
    return bad("node_options::dead_after (" + std::to_string(o.dead_after.count())
               + " ms) must be longer than suspect_after ("
               + std::to_string(o.suspect_after.count()) + " ms)");
  if (o.vote_timeout <= milliseconds{0} || o.connect_timeout <= milliseconds{0})
    return bad("node_options::vote_timeout and connect_timeout must be positive");
  if (o.scheduler_threads == 0)
    return bad("node_options::scheduler_threads must be at least 1");
  if (o.tls.enabled()) {
    for (auto* p : {&o.tls.ca_file, &o.tls.certificate, &o.tls.key})
      if (p->empty() || !std::filesystem::exists(*p))
        return bad("TLS file '" + *p + "' does not exist; set tls.ca_file, tls.certificate and "
                   "tls.key to PEM files (see docs/aegis.md, TLS)");
  }
  return caf::none;
}

/// Sends a request from a pooled blocking actor and waits for the answer or `timeout`.
template <class T, class Dest, class... Ts>
caf::expected<T> ask_actor(detail::node_context& ctx, const Dest& dest, milliseconds timeout,
                           Ts&&... xs) {
  caf::expected<T> result{caf::error{}};
  bool answered = true;
  auto self = ctx.callers.acquire(*ctx.sys);
  (*self)
    ->request(dest, caf::timespan{timeout}, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) {
               answered = err != caf::sec::request_timeout;
               result = std::move(err);
             });
  if (answered)
    ctx.callers.release(std::move(self));
  return result;
}

template <class T, class... Ts>
caf::expected<T> ask(detail::node_context& ctx, milliseconds timeout, Ts&&... xs) {
  return ask_actor<T>(ctx, ctx.actor, timeout, std::forward<Ts>(xs)...);
}

} // namespace

caf::expected<std::unique_ptr<node>> node::start(node_options opts) {
  if (auto err = validate(opts))
    return err;
  auto ctx = std::make_shared<detail::node_context>();
  auto& o = ctx->opts;
  o = std::move(opts);
  ctx->cfg = std::make_unique<armada::config>();
  auto& cfg = *ctx->cfg;
  static_cast<caf::actor_system_config&>(cfg).load<caf::io::middleman>();
  cfg.add_message_types<caf::id_block::armada_aegis>();
  cfg.set("scheduler.max-threads", o.scheduler_threads);
  cfg.set("logger.console", caf::atom("none"));
  std::string id = o.id;
  if (o.tls.enabled()) {
    static_cast<caf::actor_system_config&>(cfg).load<caf::openssl::manager>();
    cfg.openssl_certificate = o.tls.certificate;
    cfg.openssl_key = o.tls.key;
    cfg.openssl_cafile = o.tls.ca_file;
    auto identity = detail::tls_identity::load(o.tls);
    if (!identity)
      return std::move(identity.error());
    ctx->identity = std::move(*identity);
    if (!id.empty() && id != ctx->identity->subject())
      return make_error(errc::config, "aegis: node_options::id is '" + id + "' but with TLS the "
                                        "node id is the certificate subject ("
                                        + ctx->identity->subject() + "); leave id empty");
    id = ctx->identity->subject();
  }
  if (id.empty())
    id = uuid::random().to_string();
  ctx->sys = std::make_unique<caf::actor_system>(cfg);
  auto& sys = *ctx->sys;
  if (o.events != nullptr) {
    ctx->events = o.events;
  } else {
    ctx->own_events = std::make_unique<capitan::instance>(sys);
    capitan::config ecfg;
    ecfg.set("mesh.*", {.buffer_size = 4096});
    ecfg.set("room.*", {.buffer_size = 4096});
    (void) ctx->own_events->apply(ecfg);
    ctx->events = ctx->own_events.get();
  }
  ctx->connector = o.tls.enabled() ? sys.openssl_manager().actor_handle()
                                   : sys.middleman().actor_handle();
  ctx->self = member_info{id, o.name, o.host, 0, o.tags, o.services, {}, o.incarnation, 0, 0};
  ctx->actor = detail::spawn_node_actor(*ctx);
  // With TLS, unauthenticated peers never get past the handshake; without it, the frame guard
  // takes the public port and the node actor is published on a loopback port behind it.
  caf::expected<std::uint16_t> port{caf::error{}};
  if (o.tls.enabled()) {
    port = caf::openssl::publish(ctx->actor, o.port, o.host.c_str());
  } else if (!o.frame_guard) {
    port = sys.middleman().publish(ctx->actor, o.port, o.host.c_str());
  } else {
    auto basp = sys.middleman().publish(ctx->actor, 0, "127.0.0.1");
    if (!basp) {
      port = std::move(basp.error());
    } else {
      auto guard = detail::spawn_frame_guard(sys, o.host, o.port, *basp,
                                             o.max_payload + frame_overhead,
                                             caf::timespan{o.connect_timeout});
      if (guard) {
        ctx->guard = guard->first;
        port = guard->second;
      } else {
        port = std::move(guard.error());
      }
    }
  }
  if (!port) {
    auto text = "aegis: cannot publish node '" + o.name + "' on " + o.host + ":"
                + std::to_string(o.port) + " (" + armada::describe(port.error())
                + "); is the port in use? use port 0 to pick a free one";
    caf::anon_send_exit(ctx->actor, caf::exit_reason::user_shutdown);
    if (ctx->guard)
      caf::anon_send_exit(ctx->guard, caf::exit_reason::user_shutdown);
    return make_error(errc::network, std::move(text));
  }
  ctx->self.port = *port;
  caf::anon_send(ctx->actor, tick_atom::value); // first message: runs the lazy init
  return std::unique_ptr<node>{new node(std::move(ctx))};
}

node::node(std::shared_ptr<detail::node_context> ctx) : ctx_(std::move(ctx)) {}

node::~node() { stop(); }

void node::stop(bool leave_first) {
  if (!ctx_->sys)
    return;
  if (leave_first)
    (void) leave();
  // The node actor first (so it cannot refute what the others conclude), the public port right
  // after: the others see the connections drop at once, as after a crash.
  {
    caf::scoped_actor self{*ctx_->sys};
    std::vector<caf::actor> targets{caf::actor_cast<caf::actor>(ctx_->actor)};
    if (ctx_->guard)
      targets.push_back(ctx_->guard);
    for (auto& t : targets) {
      self->monitor(t);
      self->send_exit(t, caf::exit_reason::user_shutdown);
    }
    for (std::size_t i = 0; i < targets.size(); ++i)
      self->receive([](caf::down_msg&) {});
  }
  ctx_->guard = nullptr;
  // Functions and room handlers may hold the service's objects (a service view holds its
  // bridges' actors): a stopped node lets go of them.
  ctx_->functions.clear();
  ctx_->handlers.clear();
  ctx_->callers.clear();
  ctx_->directory.clear();
  ctx_->actor = nullptr;
  ctx_->connector = nullptr;
  ctx_->own_events.reset();
  ctx_->sys.reset();
}

const std::string& node::id() const { return ctx_->self.id; }
const std::string& node::name() const { return ctx_->self.name; }
std::uint16_t node::port() const { return ctx_->self.port; }
std::string node::address() const { return ctx_->self.address(); }
capitan::instance& node::events() { return *ctx_->events; }
caf::actor_system& node::system() { return *ctx_->sys; }
node_actor node::actor() const { return ctx_->actor; }

std::string node::describe_error(const caf::error& err) { return armada::describe(err); }

caf::expected<std::vector<member_info>> node::join(const std::string& host, std::uint16_t port) {
  auto& o = ctx_->opts;
  auto timeout = o.vote_timeout + 2 * o.connect_timeout + milliseconds{1000};
  auto res = ask<join_result>(*ctx_, timeout, join_via_atom::value, host, port);
  if (!res)
    return std::move(res.error());
  if (!res->approved)
    return make_error(errc::join_rejected, "aegis: " + res->reason);
  return std::move(res->members);
}

caf::expected<std::vector<member_info>> node::join(const std::string& address) {
  auto colon = address.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(address.substr(colon + 1));
    } catch (...) {
      port = 0;
    }
  }
  if (colon == std::string::npos || port <= 0 || port > 65535)
    return make_error(errc::config, "aegis: '" + address + "' is not HOST:PORT (e.g. 127.0.0.1:4100)");
  return join(address.substr(0, colon), static_cast<std::uint16_t>(port));
}

caf::error node::leave() {
  auto res = ask<bool>(*ctx_, milliseconds{3000}, leave_atom::value);
  return res ? caf::none : res.error();
}

node_state node::state() const {
  auto res = ask<node_state>(*ctx_, milliseconds{5000}, get_state_atom::value);
  return res ? std::move(*res) : node_state{};
}

std::vector<member_info> node::members() const {
  std::vector<member_info> result;
  for (auto& m : state().members)
    if (m.is_live())
      result.push_back(m);
  return result;
}

void node::register_raw(const std::string& name, raw_function fn, function_options opts) {
  ctx_->functions.add(name, std::move(fn), std::move(opts));
}

bool node::unregister(const std::string& name) { return ctx_->functions.remove(name); }

namespace {

caf::expected<std::string> call(detail::node_context& ctx, bool any, const std::string& target,
                                const std::string& function, std::string payload,
                                const call_options& opts) {
  if (payload.size() > ctx.opts.max_payload)
    return make_error(errc::too_large, "aegis: the argument of '" + function + "' has "
                                         + std::to_string(payload.size())
                                         + " bytes, more than max_payload ("
                                         + std::to_string(ctx.opts.max_payload)
                                         + "); send less or raise node_options::max_payload");
  call_request req{ctx.self.id, ctx.self.name, function, std::move(payload), opts.idempotency_key};
  caf::expected<std::string> result{caf::error{}};
  // A connected member: straight to its node actor's proxy. Otherwise the node actor routes
  // (itself, round robin, or the precise error).
  node_actor proxy;
  if (!any && target != ctx.self.id && target != ctx.self.name)
    proxy = ctx.directory.find(target);
  if (proxy)
    result = ask_actor<std::string>(ctx, proxy, opts.timeout, exec_atom::value, std::move(req));
  else if (any)
    result = ask<std::string>(ctx, opts.timeout, route_any_atom::value, target, std::move(req));
  else
    result = ask<std::string>(ctx, opts.timeout, route_atom::value, target, std::move(req));
  if (!result && result.error() == caf::sec::request_timeout)
    return make_error(errc::timeout, "aegis: call of '" + function + "' on '" + target
                                       + "' got no answer within "
                                       + std::to_string(opts.timeout.count())
                                       + " ms; raise call_options::timeout or check that the "
                                         "function returns");
  return result;
}

} // namespace

caf::expected<std::string> node::execute_raw(const std::string& peer, const std::string& function,
                                             std::string payload, call_options opts) {
  return call(*ctx_, false, peer, function, std::move(payload), opts);
}

caf::expected<std::string> node::execute_any_raw(const std::string& service,
                                                 const std::string& function, std::string payload,
                                                 call_options opts) {
  return call(*ctx_, true, service, function, std::move(payload), opts);
}

caf::error node::create_room(const std::string& room) {
  auto res = ask<bool>(*ctx_, milliseconds{5000}, room_atom::value,
                       static_cast<std::uint8_t>(room_op::create), room);
  return res ? caf::none : res.error();
}

caf::error node::join_room(const std::string& room) {
  auto res = ask<bool>(*ctx_, milliseconds{5000}, room_atom::value,
                       static_cast<std::uint8_t>(room_op::join), room);
  return res ? caf::none : res.error();
}

caf::error node::leave_room(const std::string& room) {
  auto res = ask<bool>(*ctx_, milliseconds{5000}, room_atom::value,
                       static_cast<std::uint8_t>(room_op::leave), room);
  return res ? caf::none : res.error();
}

caf::expected<std::size_t> node::broadcast(const std::string& room, std::string payload) {
  auto res = ask<std::uint64_t>(*ctx_, milliseconds{5000}, bcast_atom::value, room, std::move(payload));
  if (!res)
    return std::move(res.error());
  return static_cast<std::size_t>(*res);
}

std::vector<std::string> node::room_members(const std::string& room) const {
  for (auto& r : state().rooms)
    if (r.name == room)
      return r.members;
  return {};
}

void node::on_room_message(const std::string& room, room_handler fn) {
  ctx_->handlers.add(room, std::move(fn));
}

} // namespace armada::aegis
