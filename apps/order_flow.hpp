#pragma once

// The seed's order flow, shared by the two demo services: the contract (signals and typed
// keys) that travels over herald.

#include <string>

#include "armada/capitan.hpp"

namespace armada::apps::order_flow {

namespace cap = armada::capitan;

inline const cap::signal order_placed{"order.placed", "a customer placed an order"};
inline const cap::signal order_completed{"order.completed", "the order shipped"};
inline const cap::signal order_compensated{"order.compensated", "a step failed; earlier steps were undone"};
inline const cap::signal step_done{"fulfilment.step", "a saga step or compensation ran"};

inline const cap::key<std::string> order_id{"order_id"};
inline const cap::key<double> amount{"amount"};
inline const cap::key<std::string> step{"step"};
inline const cap::key<std::string> failed_step{"failed_step"};
inline const cap::key<capitan::time_point> placed_at{"placed_at"};

/// Topics between the services.
inline const std::string orders_topic = "orders";
inline const std::string results_topic = "order-results";

/// The fulfilment steps in order, with their compensations.
struct step_def {
  const char* action;
  const char* compensation;
};
inline constexpr step_def steps[] = {
  {"reserve_inventory", "cancel_reservation"},
  {"charge_payment", "refund_payment"},
  {"ship_order", "cancel_shipment"},
};

} // namespace armada::apps::order_flow
