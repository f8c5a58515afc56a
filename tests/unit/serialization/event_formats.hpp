#pragma once

// The two event forms (Protobuf and JSON) behind one interface, so the round-trip tests run
// for both.

#include <functional>
#include <ostream>
#include <string>

#include "armada/serialization/event_codec.hpp"

namespace armada::test {

struct event_format {
  std::string name;
  std::function<caf::expected<std::string>(const capitan::event&,
                                           const serialization::custom_registry&)>
      encode;
  std::function<caf::expected<serialization::decoded_event>(
      std::string_view, const serialization::event_decode_options&)>
      decode;
};

/// Names the parameter in gtest's output.
inline void PrintTo(const event_format& f, std::ostream* os) {
  *os << f.name;
}

inline event_format protobuf_form() {
  return {"protobuf",
          [](const capitan::event& e, const serialization::custom_registry& r) {
            return serialization::encode_event(e, r);
          },
          [](std::string_view b, const serialization::event_decode_options& o) {
            return serialization::decode_event(b, o);
          }};
}

inline event_format json_form() {
  return {"json",
          [](const capitan::event& e, const serialization::custom_registry& r) {
            return serialization::encode_event_json(e, r);
          },
          [](std::string_view b, const serialization::event_decode_options& o) {
            return serialization::decode_event_json(b, o);
          }};
}

} // namespace armada::test
