#include "armada/herald/errc.hpp"

#include "armada/runtime/error.hpp"

namespace armada::herald {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::encode: return "encode";
    case errc::decode: return "decode";
    case errc::transport: return "transport";
    case errc::timeout: return "timeout";
    case errc::circuit_open: return "circuit_open";
    case errc::ack: return "ack";
    case errc::nack: return "nack";
    case errc::dead_letter: return "dead_letter";
    case errc::config: return "config";
    case errc::closed: return "closed";
    case errc::backpressure: return "backpressure";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string text) {
  return armada::make_error(static_cast<std::uint8_t>(code), error_category, std::move(text));
}

errc code_of(const caf::error& err) {
  if (err.category() == error_category)
    return static_cast<errc>(err.code());
  return errc::transport;
}

} // namespace armada::herald
