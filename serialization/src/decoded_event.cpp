#include <memory>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"
#include "armada/serialization/media_type.hpp"
#include "event_view.hpp"

namespace armada::serialization {

std::string event_content_type() {
  return protobuf_content_type("armada.serialization.v1.Event");
}

std::string event_json_content_type() {
  return std::string{content_types::json};
}

capitan::event make_event(const decoded_event& d) {
  std::shared_ptr<const capitan::context> ctx;
  if (!d.trace_id.empty() || !d.correlation_id.empty()) {
    auto c = std::make_shared<capitan::context>();
    c->trace_id = d.trace_id;
    c->correlation_id = d.correlation_id;
    ctx = std::move(c);
  }
  return capitan::event::make(capitan::signal{d.signal}, d.level, d.fields, std::move(ctx),
                              d.timestamp);
}

decoded_event to_decoded(const capitan::event& e) {
  if (!e.valid())
    return {};
  return decoded_event{e.signal().name(), e.level(),    e.timestamp(),
                       e.fields(),        e.trace_id(), e.correlation_id()};
}

namespace detail {

event_view view_of(const capitan::event& e) {
  return event_view{e.signal().name(), e.level(),    e.timestamp(),
                    e.fields(),        e.trace_id(), e.correlation_id()};
}

event_view view_of(const decoded_event& e) {
  return event_view{e.signal, e.level, e.timestamp, e.fields, e.trace_id, e.correlation_id};
}

caf::error invalid_event_error() {
  return make_error(errc::encode_failed,
                    "cannot encode an empty capitan::event (default-constructed, no signal); "
                    "encode an event received by a hook or made with event::make");
}

} // namespace detail

} // namespace armada::serialization
