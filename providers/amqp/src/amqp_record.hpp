#pragma once

// A herald message as an AMQP message and back: the id is the message-id property, the key the
// header `herald-key`, each metadata entry a header (long string), the payload the body;
// persistent (delivery-mode 2), timestamped.

#include <string>
#include <vector>

#include <amqp.h>

#include "armada/herald/message.hpp"

namespace armada::herald::amqp {

/// The header carrying message::key.
inline constexpr const char* key_header = "herald-key";

/// The properties of one outgoing message; `props` points into this object (keep it alive
/// until basic.publish returned, do not copy it).
class outgoing_properties {
public:
  explicit outgoing_properties(const message& m);
  outgoing_properties(const outgoing_properties&) = delete;
  outgoing_properties& operator=(const outgoing_properties&) = delete;

  const amqp_basic_properties_t* get() const { return &props_; }

private:
  std::vector<std::string> strings_;
  std::vector<amqp_table_entry_t> entries_;
  amqp_basic_properties_t props_{};
};

/// The message of a delivery read from `topic` (broker position set by the caller).
message from_envelope(const amqp_envelope_t& env, const std::string& topic);

} // namespace armada::herald::amqp
