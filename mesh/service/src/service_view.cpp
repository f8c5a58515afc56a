#include "armada/aegis/service_view.hpp"

#include <future>

#include <nlohmann/json.hpp>

#include "armada/aegis/errc.hpp"
#include "armada/runtime/error.hpp"

namespace armada::aegis {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(signal_report, name, listeners, emitted, delivered, dropped,
                                                hook_errors, queue_depth)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(bridge_report, name, direction, topic, published, failed, dropped,
                                                pending, received, acked, nacked, dead_lettered, in_flight,
                                                mean_handle_us, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(saga_report, id, type, state, step, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(service_report, service, signals, bridges, sagas_by_state,
                                                open_sagas, errors)

namespace {

constexpr std::size_t max_open_sagas = 50;

/// The step a saga is at: the first of its current unit that has not finished.
std::string current_step(const ago::saga_record& r) {
  for (auto& s : r.steps)
    if (s.unit == r.position)
      return s.name;
  return {};
}

} // namespace

service_view::service_view(std::string service) : service_(std::move(service)) {}

service_view& service_view::events(const capitan::instance& bus) {
  std::lock_guard guard{mtx_};
  bus_ = &bus;
  return *this;
}

service_view& service_view::bridge(std::string name, herald::subscription in) {
  std::lock_guard guard{mtx_};
  in_.push_back({std::move(name), std::move(in)});
  return *this;
}

service_view& service_view::bridge(std::string name, herald::outbound_bridge out) {
  std::lock_guard guard{mtx_};
  out_.push_back({std::move(name), std::move(out)});
  return *this;
}

service_view& service_view::sagas(ago::engine& engine) {
  std::lock_guard guard{mtx_};
  engine_ = &engine;
  return *this;
}

service_report service_view::report() const {
  std::lock_guard guard{mtx_};
  service_report rep;
  rep.service = service_;
  if (bus_ != nullptr)
    for (auto& s : bus_->stats().signals)
      rep.signals.push_back({s.name, s.listeners, s.emitted, s.delivered, s.dropped(), s.hook_errors,
                             s.queue_depth});
  for (auto& o : out_) {
    auto st = o.bridge.stats();
    bridge_report b;
    b.name = o.name;
    b.direction = "out";
    b.published = st.published;
    b.failed = st.failed;
    b.dropped = st.dropped_backpressure;
    b.pending = st.pending;
    rep.bridges.push_back(std::move(b));
  }
  for (auto& i : in_) {
    bridge_report b;
    b.name = i.name;
    b.direction = "in";
    if (auto st = i.sub.state()) {
      b.topic = st->topic;
      b.received = st->received;
      b.acked = st->acked;
      b.nacked = st->nacked;
      b.dead_lettered = st->dead_lettered;
      b.in_flight = st->in_flight;
      b.mean_handle_us = st->handle_latency.mean_us;
    } else {
      b.error = armada::describe(st.error());
    }
    rep.bridges.push_back(std::move(b));
  }
  if (engine_ != nullptr) {
    if (auto all = engine_->list()) {
      for (auto& r : *all) {
        ++rep.sagas_by_state[std::string{ago::to_string(r.state)}];
        bool open = !ago::is_terminal(r.state) || r.state == ago::saga_state::stuck;
        if (open && rep.open_sagas.size() < max_open_sagas)
          rep.open_sagas.push_back({r.id, r.type, std::string{ago::to_string(r.state)}, current_step(r), r.error});
      }
    } else {
      rep.errors.push_back("sagas: " + armada::describe(all.error()));
    }
  }
  return rep;
}

void expose(node& n, std::shared_ptr<const service_view> view) {
  // The report makes blocking requests into the service's actor system. Made from the node
  // actor's scheduler thread (another actor system's), the scoped actors they use keep that
  // system from ending (found by a test: the runtime waited forever for a detached actor), so
  // it runs on a plain thread of its own.
  n.register_raw(inspect_function, [view = std::move(view)](const call_request&) -> caf::expected<std::string> {
    return std::async(std::launch::async, [&] { return nlohmann::json(view->report()).dump(); }).get();
  });
}

caf::expected<service_report> inspect_service(inspector& insp, const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout) {
  auto reply = insp.call(host, port, inspect_function, {}, timeout);
  if (!reply)
    return std::move(reply.error());
  auto doc = nlohmann::json::parse(*reply, nullptr, false);
  if (doc.is_discarded())
    return make_error(errc::codec, "aegis inspect: " + host + ":" + std::to_string(port)
                                     + " answered armada.inspect with text that is not JSON");
  try {
    return doc.get<service_report>();
  } catch (const nlohmann::json::exception& ex) {
    return make_error(errc::codec, "aegis inspect: the service report of " + host + ":" + std::to_string(port)
                                     + " has an unexpected shape (" + ex.what() + ")");
  }
}

} // namespace armada::aegis
