#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace armada::aegis {

/// Error codes of aegis, category `caf::atom("aegis")`. Every error carries one message that
/// names the problem and the fix (`armada::describe(err)`).
enum class errc : std::uint8_t {
  unknown_function = 1, ///< the remote node has no function of that name
  timeout,              ///< no answer within the call's (or the vote's) timeout
  remote_exception,     ///< the remote function threw; the message carries what()
  unauthorized,         ///< the caller is not on the function's allow-list
  unknown_peer,         ///< no alive member has that id or name
  no_provider,          ///< no alive member declares the service
  unreachable,          ///< the member is known but not connected
  join_rejected,        ///< the mesh voted the candidate out; the message carries the reason
  config,               ///< a bad option
  network,              ///< publishing or connecting failed
  codec,                ///< arguments or results could not be encoded or decoded
  stopped,              ///< the node has left or is shutting down
  unknown_room,         ///< no room of that name
  too_large,            ///< a payload exceeds node_options::max_payload
};

inline constexpr caf::atom_value error_category = caf::atom("aegis");

/// "unknown_function", "timeout", …
std::string_view to_string(errc code);

/// Makes an aegis error whose message names the problem and the fix.
caf::error make_error(errc code, std::string text);

/// The code of an aegis error; `errc::timeout` for CAF's request timeout and `errc::unreachable`
/// for other errors of foreign categories.
errc code_of(const caf::error& err);

} // namespace armada::aegis
