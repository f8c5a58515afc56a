#include "armada/aegis/inspector.hpp"

#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/remote_actor.hpp>
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

caf::expected<node_state> inspector::state(const std::string& host, std::uint16_t port,
                                           std::chrono::milliseconds timeout) {
  std::lock_guard guard{impl_->mtx};
  auto& sys = *impl_->sys;
  auto address = host + ":" + std::to_string(port);
  auto& proxy = impl_->nodes[address];
  if (!proxy) {
    auto remote = impl_->tls.enabled() ? caf::openssl::remote_actor<node_actor>(sys, host, port)
                                       : sys.middleman().remote_actor<node_actor>(host, port);
    if (!remote) {
      impl_->nodes.erase(address);
      return make_error(errc::network, "aegis inspect: cannot reach a node at " + address + " ("
                                         + armada::describe(remote.error())
                                         + "); is an aegis node running there?");
    }
    proxy = *remote;
  }
  caf::expected<node_state> result{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(proxy, caf::timespan{timeout}, get_state_atom::value)
    .receive([&](node_state& s) { result = std::move(s); },
             [&](caf::error& err) {
               impl_->nodes.erase(address); // reconnect next time
               result = err == caf::sec::request_timeout
                          ? make_error(errc::timeout, "aegis inspect: " + address
                                                        + " did not answer get_state in time")
                          : make_error(errc::network, "aegis inspect: " + address + " failed ("
                                                        + armada::describe(err) + ")");
             });
  return result;
}

} // namespace armada::aegis
