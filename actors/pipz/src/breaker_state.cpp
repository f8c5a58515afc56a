#include "armada/pipz/circuit_breaker.hpp"

namespace armada::pipz {

std::string_view to_string(breaker_state s) {
  switch (s) {
  case breaker_state::closed:
    return "closed";
  case breaker_state::open:
    return "open";
  case breaker_state::half_open:
    return "half_open";
  }
  return "unknown";
}

} // namespace armada::pipz
