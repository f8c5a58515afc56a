#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace armada::ago {

/// Error codes of ago. Category `caf::atom("ago")`.
enum class errc : std::uint8_t {
  step_failed = 1,    ///< a step failed after its retry budget (the saga compensated)
  timeout,            ///< a step, a saga or a request ran out of time
  cancelled,          ///< the saga was cancelled (it compensated)
  stuck,              ///< a compensation failed after its retry budget: an operator must act
  unknown_saga,       ///< no saga with this id in the store
  unknown_definition, ///< a stored saga names a definition this engine does not know
  lease_lost,         ///< another owner holds the saga's lease
  store,              ///< the saga store failed
  bad_record,         ///< a stored record could not be decoded
  bad_definition,     ///< a saga definition is invalid (no steps, duplicate names, …)
  closed,             ///< the engine is closed
  codec,              ///< saga data could not be encoded or decoded
};

inline constexpr caf::atom_value error_category = caf::atom("ago");

/// "step_failed", "timeout", …
std::string_view to_string(errc code);

/// Makes an ago error whose message names the problem and the fix.
caf::error make_error(errc code, std::string text);

/// Whether `err` is the ago error `code`.
bool is(const caf::error& err, errc code);

} // namespace armada::ago
