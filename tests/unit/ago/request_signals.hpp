#pragma once

// Signals shared by the request/response tests and their responder process.

#include <string>

#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"

namespace ago_test {

inline const armada::capitan::signal ship_command{"test.ship", "ship an order"};
inline const armada::capitan::signal ship_reply{"test.shipped", "an order shipped"};
inline const armada::capitan::key<std::string> order_id{"order_id"};
inline const armada::capitan::key<std::string> tracking{"tracking"};

} // namespace ago_test
