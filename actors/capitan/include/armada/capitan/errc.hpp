#pragma once

#include <cstdint>

#include <caf/atom.hpp>

namespace armada::capitan {

/// Error codes of capitan; errors carry category `caf::atom("capitan")` and a message that
/// names the problem and the fix (read it with `armada::describe`).
enum class errc : std::uint8_t {
  invalid_config = 1, ///< a config value out of range
  unknown_signal,     ///< a config entry names a signal that does not exist
  bad_pattern,        ///< a glob that does not parse
};

inline constexpr caf::atom_value error_category = caf::atom("capitan");

} // namespace armada::capitan
