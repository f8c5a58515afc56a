#pragma once

// The parts of an event the encoders read, from a capitan::event or a decoded_event alike
// (private to the module).

#include <string_view>
#include <vector>

#include "armada/serialization/event_codec.hpp"

namespace armada::serialization::detail {

struct event_view {
  std::string_view signal;
  capitan::severity level;
  capitan::time_point timestamp;
  const std::vector<capitan::field>& fields;
  std::string_view trace_id;
  std::string_view correlation_id;
};

event_view view_of(const capitan::event& e);
event_view view_of(const decoded_event& e);

/// `errc::encode_failed` for encoding an event that is not valid (default-constructed).
caf::error invalid_event_error();

} // namespace armada::serialization::detail
