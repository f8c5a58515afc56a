#include "armada/aegis/errc.hpp"

#include <caf/sec.hpp>

#include "armada/runtime/error.hpp"

namespace armada::aegis {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::unknown_function: return "unknown_function";
    case errc::timeout: return "timeout";
    case errc::remote_exception: return "remote_exception";
    case errc::unauthorized: return "unauthorized";
    case errc::unknown_peer: return "unknown_peer";
    case errc::no_provider: return "no_provider";
    case errc::unreachable: return "unreachable";
    case errc::join_rejected: return "join_rejected";
    case errc::config: return "config";
    case errc::network: return "network";
    case errc::codec: return "codec";
    case errc::stopped: return "stopped";
    case errc::unknown_room: return "unknown_room";
    case errc::too_large: return "too_large";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string text) {
  return armada::make_error(static_cast<std::uint8_t>(code), error_category, std::move(text));
}

errc code_of(const caf::error& err) {
  if (err.category() == error_category)
    return static_cast<errc>(err.code());
  if (err == caf::sec::request_timeout)
    return errc::timeout;
  return errc::unreachable;
}

} // namespace armada::aegis
