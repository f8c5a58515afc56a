#include "armada/ago/errc.hpp"

#include "armada/runtime/error.hpp"

namespace armada::ago {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::step_failed: return "step_failed";
    case errc::timeout: return "timeout";
    case errc::cancelled: return "cancelled";
    case errc::stuck: return "stuck";
    case errc::unknown_saga: return "unknown_saga";
    case errc::unknown_definition: return "unknown_definition";
    case errc::lease_lost: return "lease_lost";
    case errc::store: return "store";
    case errc::bad_record: return "bad_record";
    case errc::bad_definition: return "bad_definition";
    case errc::closed: return "closed";
    case errc::codec: return "codec";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string text) {
  return armada::make_error(static_cast<std::uint8_t>(code), error_category, std::move(text));
}

bool is(const caf::error& err, errc code) {
  return err && err.category() == error_category && err.code() == static_cast<std::uint8_t>(code);
}

} // namespace armada::ago
