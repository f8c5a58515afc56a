#pragma once

// What a service shows `armada inspect`: its capitan signals, herald bridges and ago sagas,
// read through their `get_state` / stats when asked, and served by the service's mesh node as
// the function `armada.inspect`. Services build one view at start-up:
//
//   auto view = std::make_shared<aegis::service_view>("fulfilment");
//   view->events(bus).bridge("orders in", orders_in).bridge("results out", results_out).sagas(engine);
//   aegis::expose(node, view);
//
// and `armada inspect HOST:PORT` (or `aegis::inspect_service`) prints it.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "armada/aegis/inspector.hpp"
#include "armada/aegis/node.hpp"
#include "armada/ago/engine.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/herald/bridge.hpp"
#include "armada/herald/subscriber.hpp"

namespace armada::aegis {

/// The name of the mesh function that serves a service's report.
inline constexpr const char* inspect_function = "armada.inspect";

/// One capitan signal of the service.
struct signal_report {
  std::string name;
  std::uint64_t listeners = 0;
  std::uint64_t emitted = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t hook_errors = 0;
  std::int64_t queue_depth = 0;
};

/// One herald bridge (or subscriber) of the service.
struct bridge_report {
  std::string name;
  std::string direction;  ///< "in" (a subscription) or "out" (an outbound bridge)
  std::string topic;      ///< inbound only
  // outbound
  std::uint64_t published = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped = 0;
  std::int64_t pending = 0;
  // inbound
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;
  std::uint64_t dead_lettered = 0;
  std::int64_t in_flight = 0;
  double mean_handle_us = 0;
  std::string error;      ///< why the state could not be read (the bridge closed, …)
};

/// One saga that is not done (or is stuck).
struct saga_report {
  std::string id;
  std::string type;
  std::string state;
  std::string step;       ///< the step running (or compensating) now
  std::string error;
};

/// Everything a service shows.
struct service_report {
  std::string service;
  std::vector<signal_report> signals;
  std::vector<bridge_report> bridges;
  std::map<std::string, std::uint64_t> sagas_by_state;  ///< from the saga store
  std::vector<saga_report> open_sagas;                  ///< running, compensating, pending, stuck (at most 50)
  std::vector<std::string> errors;                      ///< parts that could not be read, and why
};

/// The parts of a service to report. Register them once; the view reads their state on every
/// `report()`. The objects must outlive the view's registration on the node (`expose`); the
/// view holds bridges and subscriptions by handle. Thread-safe.
class service_view {
public:
  explicit service_view(std::string service);

  service_view& events(const capitan::instance& bus);
  service_view& bridge(std::string name, herald::subscription in);
  service_view& bridge(std::string name, herald::outbound_bridge out);
  service_view& sagas(ago::engine& engine);

  /// Reads every registered part now. A part that cannot be read is named in `errors`.
  service_report report() const;

private:
  struct inbound {
    std::string name;
    herald::subscription sub;
  };
  struct outbound {
    std::string name;
    herald::outbound_bridge bridge;
  };
  mutable std::mutex mtx_;
  std::string service_;
  const capitan::instance* bus_ = nullptr;
  std::vector<inbound> in_;
  std::vector<outbound> out_;
  ago::engine* engine_ = nullptr;
};

/// Registers `armada.inspect` on `node`, answering with `view->report()`. The function runs on
/// the node actor and reads the parts synchronously (a few requests and one store listing).
/// The view holds the bridges' actors: `n.unregister(inspect_function)` (or stop the node)
/// before closing the parts and ending their actor system.
void expose(node& n, std::shared_ptr<const service_view> view);

/// Calls `armada.inspect` on the node at `host:port` through `insp`. `errc::unknown_function`
/// when that node does not expose a service view.
caf::expected<service_report> inspect_service(inspector& insp, const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout = std::chrono::seconds{5});

} // namespace armada::aegis
