#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace armada::herald {

/// Error codes of herald: the structured `code` of `herald.error` events and of errors returned
/// by providers and bridges. Category `caf::atom("herald")`.
enum class errc : std::uint8_t {
  encode = 1,   ///< a value could not be encoded
  decode,       ///< a message could not be decoded (it goes to the dead-letter topic)
  transport,    ///< the broker could not be reached or refused the operation
  timeout,      ///< an operation ran out of time
  circuit_open, ///< the circuit breaker refused the publish
  ack,          ///< an ack failed
  nack,         ///< a hook failed: the message was nacked for redelivery
  dead_letter,  ///< a message went to the dead-letter topic
  config,       ///< a bad URL or property
  closed,       ///< the connection or subscription is closed
  backpressure, ///< too many publishes pending
};

inline constexpr caf::atom_value error_category = caf::atom("herald");

/// "encode", "decode", … (the `code` field of herald.error).
std::string_view to_string(errc code);

/// Makes a herald error whose message names the problem and the fix.
caf::error make_error(errc code, std::string text);

/// The code of a herald error (errc::transport for errors of other categories).
errc code_of(const caf::error& err);

} // namespace armada::herald
