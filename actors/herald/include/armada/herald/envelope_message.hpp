#pragma once

// A herald message from the armada envelope (serialization::envelope): for the providers that
// store a whole message in one field, value or body.

#include <utility>

#include "armada/herald/message.hpp"
#include "armada/serialization/envelope.hpp"

namespace armada::herald {

/// Moves the id (when `e` has one: else `m` keeps its own), key, metadata, payload and publish
/// time of `e` into `m`.
inline void take_envelope(serialization::envelope&& e, message& m) {
  if (!e.id.empty())
    m.id = std::move(e.id);
  m.key = std::move(e.key);
  m.metadata = std::move(e.metadata);
  m.payload = std::move(e.payload);
  m.published = e.publish_time;
}

} // namespace armada::herald
