#include "armada/aegis/inspector.hpp"

#include <mutex>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include "armada/aegis/errc.hpp"
#include "armada/runtime/error.hpp"

namespace armada::aegis {

struct inspector::impl {
  tls_options tls;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::mutex mtx;
  std::map<std::string, node_actor> nodes;
};

inspector::inspector(tls_options tls) : impl_(std::make_unique<impl>()) {
  impl_->tls = std::move(tls);
  auto& cfg = impl_->cfg;
  cfg.load<caf::io::middleman>();
  cfg.add_message_types<caf::id_block::armada_aegis>();
  cfg.set("logger.console", caf::atom("none"));
  cfg.set("scheduler.max-threads", 1);
  if (impl_->tls.enabled()) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = impl_->tls.certificate;
    cfg.openssl_key = impl_->tls.key;
    cfg.openssl_cafile = impl_->tls.ca_file;
  }
  impl_->sys = std::make_unique<caf::actor_system>(cfg);
}

inspector::~inspector() {
  impl_->nodes.clear();
  impl_->sys.reset();
}

namespace {

/// The proxy of the node actor at `address`, connecting once within `timeout` (a node that is
/// paused or wedged accepts the TCP connection but never finishes CAF's handshake); null with
/// `err` set on failure.
node_actor connect(caf::actor_system& sys, const tls_options& tls, std::map<std::string, node_actor>& nodes,
                   const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                   caf::error& err) {
  auto address = host + ":" + std::to_string(port);
  if (auto i = nodes.find(address); i != nodes.end())
    return i->second;
  auto connector = tls.enabled() ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  auto unreachable = [&](const std::string& why) {
    err = make_error(errc::network, "aegis inspect: cannot reach a node at " + address + " (" + why
                                      + "); is an aegis node running there?");
  };
  node_actor result;
  caf::scoped_actor self{sys};
  self->request(connector, caf::timespan{timeout}, caf::connect_atom::value, host, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& ifs) {
        if (!ptr)
          unreachable("nothing is published on that port");
        else if (ifs != sys.message_types<node_actor>())
          unreachable("the actor published there is not an aegis node actor");
        else
          result = caf::actor_cast<node_actor>(ptr);
      },
      [&](caf::error& e) {
        if (e == caf::sec::request_timeout)
          err = make_error(errc::timeout, "aegis inspect: " + address + " accepted the connection "
                                            "but did not finish the handshake within "
                                            + std::to_string(timeout.count())
                                            + " ms; is the node paused or overloaded?");
        else
          unreachable(armada::describe(e));
      });
  if (result)
    nodes[address] = result;
  return result;
}

/// The error of a failed request to the node at `address` about `what`.
caf::error request_failed(const caf::error& err, const std::string& address, const std::string& what) {
  if (err == caf::sec::request_timeout)
    return make_error(errc::timeout, "aegis inspect: " + address + " did not answer " + what
                                       + " in time; is the node paused or overloaded?");
  if (err.category() == error_category)
    return err; // the node's own answer (unknown function, unauthorized, …)
  return make_error(errc::network, "aegis inspect: " + address + " failed (" + armada::describe(err) + ")");
}

/// Sends `xs...` to the node at `host:port` and waits for its `T` answer.
template <class T, class... Ts>
caf::expected<T> ask(caf::actor_system& sys, const tls_options& tls, std::map<std::string, node_actor>& nodes,
                     const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                     const std::string& what, Ts&&... xs) {
  caf::error err;
  auto proxy = connect(sys, tls, nodes, host, port, timeout, err);
  if (!proxy)
    return err;
  auto address = host + ":" + std::to_string(port);
  caf::expected<T> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(proxy, caf::timespan{timeout}, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& e) {
               if (e.category() != error_category)
                 nodes.erase(address); // reconnect next time
               result = request_failed(e, address, what);
             });
  return result;
}

} // namespace

caf::expected<node_state> inspector::state(const std::string& host, std::uint16_t port,
                                           std::chrono::milliseconds timeout) {
  std::lock_guard guard{impl_->mtx};
  return ask<node_state>(*impl_->sys, impl_->tls, impl_->nodes, host, port, timeout, "get_state",
                         get_state_atom::value);
}

caf::expected<std::string> inspector::call(const std::string& host, std::uint16_t port,
                                           const std::string& function, std::string payload,
                                           std::chrono::milliseconds timeout) {
  std::lock_guard guard{impl_->mtx};
  call_request req{"armada-inspect", "armada-inspect", function, std::move(payload), {}};
  return ask<std::string>(*impl_->sys, impl_->tls, impl_->nodes, host, port, timeout, "'" + function + "'",
                          exec_atom::value, std::move(req));
}

} // namespace armada::aegis
