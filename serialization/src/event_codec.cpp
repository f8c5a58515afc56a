#include <climits>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"
#include "armada/serialization/v1/event.pb.h"
#include "event_view.hpp"

namespace armada::serialization {

namespace {

using namespace std::chrono;
namespace wire = v1;

constexpr std::uint32_t event_format = 1;

wire::Severity to_wire(capitan::severity s) {
  switch (s) {
  case capitan::severity::debug:
    return wire::SEVERITY_DEBUG;
  case capitan::severity::info:
    return wire::SEVERITY_INFO;
  case capitan::severity::warn:
    return wire::SEVERITY_WARN;
  case capitan::severity::error:
    return wire::SEVERITY_ERROR;
  }
  return wire::SEVERITY_UNSPECIFIED;
}

std::int64_t unix_nanos(capitan::time_point t) {
  return duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

capitan::time_point from_unix_nanos(std::int64_t n) {
  return capitan::time_point{duration_cast<system_clock::duration>(nanoseconds{n})};
}

caf::error encode_field(const capitan::field& f, wire::Field& out, const custom_registry& reg) {
  out.set_name(f.name());
  auto& v = f.value();
  switch (f.kind()) {
  case capitan::field_kind::string:
    out.set_string_value(std::get<std::string>(v));
    break;
  case capitan::field_kind::int32:
    out.set_int32_value(std::get<std::int32_t>(v));
    break;
  case capitan::field_kind::int64:
    out.set_int64_value(std::get<std::int64_t>(v));
    break;
  case capitan::field_kind::uint32:
    out.set_uint32_value(std::get<std::uint32_t>(v));
    break;
  case capitan::field_kind::uint64:
    out.set_uint64_value(std::get<std::uint64_t>(v));
    break;
  case capitan::field_kind::float32:
    out.set_float32_value(std::get<float>(v));
    break;
  case capitan::field_kind::float64:
    out.set_float64_value(std::get<double>(v));
    break;
  case capitan::field_kind::boolean:
    out.set_bool_value(std::get<bool>(v));
    break;
  case capitan::field_kind::time:
    out.set_time_unix_nanos(unix_nanos(std::get<capitan::time_point>(v)));
    break;
  case capitan::field_kind::duration:
    out.set_duration_nanos(std::get<nanoseconds>(v).count());
    break;
  case capitan::field_kind::bytes: {
    auto& b = std::get<capitan::bytes>(v);
    out.set_bytes_value(reinterpret_cast<const char*>(b.data()), b.size());
    break;
  }
  case capitan::field_kind::error: {
    auto& e = std::get<capitan::error_value>(v);
    out.mutable_error_value()->set_code(e.code);
    out.mutable_error_value()->set_message(e.message);
    break;
  }
  case capitan::field_kind::custom: {
    auto& c = std::get<capitan::custom_value>(v);
    auto encoded = reg.encode(c, f.name());
    if (!encoded)
      return encoded.error();
    auto cv = out.mutable_custom_value();
    cv->set_variant(c.variant);
    cv->set_content_type(std::move(encoded->content_type));
    cv->set_data(std::move(encoded->data));
    break;
  }
  }
  return {};
}

caf::expected<capitan::field> decode_field(wire::Field& in, const event_decode_options& opts,
                                           const custom_registry& reg) {
  using capitan::field_value;
  auto name = std::move(*in.mutable_name());
  auto make = [&]<class T>(T value) {
    return capitan::field{std::move(name), field_value{std::in_place_type<T>, std::move(value)}};
  };
  switch (in.value_case()) {
  case wire::Field::kStringValue:
    return make(std::move(*in.mutable_string_value()));
  case wire::Field::kInt32Value:
    return make(std::int32_t{in.int32_value()});
  case wire::Field::kInt64Value:
    return make(std::int64_t{in.int64_value()});
  case wire::Field::kUint32Value:
    return make(std::uint32_t{in.uint32_value()});
  case wire::Field::kUint64Value:
    return make(std::uint64_t{in.uint64_value()});
  case wire::Field::kFloat32Value:
    return make(in.float32_value());
  case wire::Field::kFloat64Value:
    return make(in.float64_value());
  case wire::Field::kBoolValue:
    return make(in.bool_value());
  case wire::Field::kTimeUnixNanos:
    return make(from_unix_nanos(in.time_unix_nanos()));
  case wire::Field::kDurationNanos:
    return make(nanoseconds{in.duration_nanos()});
  case wire::Field::kBytesValue: {
    auto& s = in.bytes_value();
    auto first = reinterpret_cast<const std::byte*>(s.data());
    return make(capitan::bytes(first, first + s.size()));
  }
  case wire::Field::kErrorValue:
    return make(capitan::error_value{in.error_value().code(), in.error_value().message()});
  case wire::Field::kCustomValue: {
    auto& c = in.custom_value();
    auto value = reg.decode(c.variant(), c.content_type(), c.data(), name, opts.on_unknown_custom);
    if (!value)
      return value.error();
    return make(std::move(*value));
  }
  case wire::Field::VALUE_NOT_SET:
    break;
  }
  return make_error(errc::decode_failed,
                    "cannot decode event field '" + name +
                        "': it has no value, or one of a kind this build does not know (sent by "
                        "a newer armada?); upgrade the receiving side");
}

caf::expected<std::string> encode_view(const detail::event_view& e, const custom_registry& reg) {
  wire::Event msg;
  msg.set_signal(e.signal.data(), e.signal.size());
  msg.set_severity(to_wire(e.level));
  msg.set_timestamp_unix_nanos(unix_nanos(e.timestamp));
  for (auto& f : e.fields)
    if (auto err = encode_field(f, *msg.add_fields(), reg))
      return with_context("cannot encode event of signal '" + std::string{e.signal} + "': ", err);
  msg.set_trace_id(e.trace_id.data(), e.trace_id.size());
  msg.set_correlation_id(e.correlation_id.data(), e.correlation_id.size());
  msg.set_format(event_format);
  if (msg.ByteSizeLong() > static_cast<std::size_t>(INT_MAX))
    return make_error(errc::too_large, "event of signal '" + std::string{e.signal} +
                                           "' exceeds Protobuf's 2 GiB limit; send less data");
  return msg.SerializeAsString();
}

caf::error not_an_event(std::size_t size, std::string_view why) {
  return make_error(errc::decode_failed,
                    "cannot decode event from " + std::to_string(size) +
                        " bytes: " + std::string{why} +
                        "; the payload is not an armada event (written by encode_event) or was cut "
                        "short in transit");
}

} // namespace

caf::expected<std::string> encode_event(const capitan::event& e, const custom_registry& registry) {
  if (!e.valid())
    return detail::invalid_event_error();
  return encode_view(detail::view_of(e), registry);
}

caf::expected<std::string> encode_event(const decoded_event& e, const custom_registry& registry) {
  return encode_view(detail::view_of(e), registry);
}

caf::expected<decoded_event> decode_event(std::string_view bytes,
                                          const event_decode_options& options) {
  if (bytes.size() > options.max_size)
    return make_error(errc::too_large,
                      "event of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                          std::to_string(options.max_size) +
                          " bytes; raise event_decode_options::max_size or send smaller events");
  if (bytes.empty())
    return not_an_event(0, "the input is empty");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    return not_an_event(bytes.size(), "it exceeds Protobuf's 2 GiB limit");
  wire::Event msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return not_an_event(bytes.size(), "the bytes do not parse as Protobuf");
  if (msg.format() == 0)
    return not_an_event(bytes.size(), "the format marker is missing");
  if (msg.format() > event_format)
    return make_error(errc::decode_failed, "event format " + std::to_string(msg.format()) +
                                               " is newer than this build understands (" +
                                               std::to_string(event_format) +
                                               "); upgrade armada on the receiving side");
  decoded_event out;
  out.signal = std::move(*msg.mutable_signal());
  switch (msg.severity()) {
  case wire::SEVERITY_DEBUG:
    out.level = capitan::severity::debug;
    break;
  case wire::SEVERITY_INFO:
    out.level = capitan::severity::info;
    break;
  case wire::SEVERITY_WARN:
    out.level = capitan::severity::warn;
    break;
  case wire::SEVERITY_ERROR:
    out.level = capitan::severity::error;
    break;
  default:
    return make_error(errc::decode_failed, "cannot decode event of signal '" + out.signal +
                                               "': unknown severity " +
                                               std::to_string(msg.severity()) +
                                               " (expected debug, info, warn or error)");
  }
  out.timestamp = from_unix_nanos(msg.timestamp_unix_nanos());
  auto& reg = options.registry ? *options.registry : default_custom_registry();
  out.fields.reserve(static_cast<std::size_t>(msg.fields_size()));
  for (auto& f : *msg.mutable_fields()) {
    auto field = decode_field(f, options, reg);
    if (!field)
      return with_context("cannot decode event of signal '" + out.signal + "': ", field.error());
    out.fields.push_back(std::move(*field));
  }
  out.trace_id = std::move(*msg.mutable_trace_id());
  out.correlation_id = std::move(*msg.mutable_correlation_id());
  return out;
}

} // namespace armada::serialization
