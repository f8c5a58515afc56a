#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace armada {

/// Makes a CAF error of armada's module `category` (an atom such as `caf::atom("capitan")`)
/// whose context is one human-readable message naming the problem and the fix.
inline caf::error make_error(std::uint8_t code, caf::atom_value category, std::string text) {
  return caf::error{code, category, caf::make_message(std::move(text))};
}

/// The human-readable text of an error: the message of an armada error, or CAF's rendering
/// of any other error. Empty for no error.
std::string describe(const caf::error& err);

} // namespace armada
