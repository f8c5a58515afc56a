#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "armada/herald/actors.hpp"
#include "armada/herald/driver.hpp"

namespace armada::herald {

/// Spawns the (detached) actor that polls `sub` and delivers to `sink`, at most
/// `opts.prefetch` messages unacked at a time.
subscription_actor spawn_subscription(caf::actor_system& sys, std::unique_ptr<subscription_driver> sub,
                                      std::string topic, subscribe_options opts, delivery_sink sink);

} // namespace armada::herald
