#pragma once

#include "armada/capitan.hpp"

namespace armada::test {

namespace cap = armada::capitan;

inline const cap::signal order_placed{"order.placed", "an order was placed"};
inline const cap::signal order_shipped{"order.shipped", "an order left the warehouse"};
inline const cap::signal payment_charged{"payment.charged", "a payment went through"};
inline const cap::key<std::string> order_id{"order_id"};
inline const cap::key<double> amount{"amount"};
inline const cap::key<std::int64_t> seq{"seq"};

} // namespace armada::test
