#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include "armada/runtime/error.hpp"

namespace armada::serialization {

/// Error codes of serialization; errors carry category `caf::atom("serialize")` (CAF atoms
/// hold at most 10 characters) and a message that names the problem and the fix (read it with
/// `armada::describe`).
enum class errc : std::uint8_t {
  encode_failed = 1,      ///< a value could not be encoded (e.g. a JSON string that is not UTF-8)
  decode_failed,          ///< the bytes are not what the decoder expects (garbage, truncated)
  too_large,              ///< input or output beyond the configured size limit
  wrong_content_type,     ///< a payload of another content type than the codec's
  unknown_custom_variant, ///< a custom field whose variant has no registered codec
  type_mismatch,          ///< a custom field holds another C++ type than its variant's
  invalid_base64,         ///< text that is not base64 (RFC 4648, standard alphabet)
  invalid_traceparent,    ///< text that is not a W3C traceparent, or an all-zero id
};

/// The category atom of serialization errors.
inline constexpr caf::atom_value error_category = caf::atom("serialize");

/// Makes a serialization error whose message is `text`.
inline caf::error make_error(errc code, std::string text) {
  return armada::make_error(static_cast<std::uint8_t>(code), error_category, std::move(text));
}

/// `err` with `context` put in front of its message; code and category are kept.
inline caf::error with_context(std::string context, const caf::error& err) {
  return armada::make_error(err.code(), err.category(), std::move(context) + describe(err));
}

/// The serialization error code of `err`, or 0 when `err` is no serialization error.
inline std::uint8_t code_of(const caf::error& err) {
  return err && err.category() == error_category ? err.code() : 0;
}

} // namespace armada::serialization
