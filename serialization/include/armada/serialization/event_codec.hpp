#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "armada/capitan/event.hpp"
#include "armada/serialization/custom_registry.hpp"

namespace armada::serialization {

/// An event as it arrived from another process: the signal's *name* (the receiver may not have
/// constructed that signal), and everything else of the event with its types. Turn it into a
/// `capitan::event` with `make_event`.
struct decoded_event {
  std::string signal;
  capitan::severity level = capitan::severity::info;
  capitan::time_point timestamp{};
  /// In the order they were emitted; custom fields hold the registered C++ type.
  std::vector<capitan::field> fields;
  std::string trace_id;
  std::string correlation_id;
};

/// The content type of `encode_event`'s output: `application/x-protobuf;
/// messageType=armada.serialization.v1.Event`.
std::string event_content_type();

/// The content type of `encode_event_json`'s output: `application/json`.
std::string event_json_content_type();

/// The largest encoded event the decoders accept unless told otherwise: 16 MiB.
inline constexpr std::size_t default_max_event_size = std::size_t{16} << 20;

/// How to decode events.
struct event_decode_options {
  /// Codecs of custom variants; null: `default_custom_registry()`.
  const custom_registry* registry = nullptr;
  /// A custom variant without a codec fails the decode, or is kept as `opaque_custom`.
  unknown_custom on_unknown_custom = unknown_custom::reject;
  /// Larger input fails with `errc::too_large` before parsing.
  std::size_t max_size = default_max_event_size;
};

/// A `capitan::event` made from `d` (constructing `capitan::signal{d.signal}`), with a context
/// carrying the trace and correlation ids when either is set.
capitan::event make_event(const decoded_event& d);

/// The parts of `e` as a decoded_event (shares the field values).
decoded_event to_decoded(const capitan::event& e);

/// Encodes a whole event (signal name, severity, timestamp, every field with its variant,
/// trace and correlation id) as an `armada.serialization.v1.Event` (proto/event.proto).
/// Custom fields go through `registry`; a variant without a codec fails with
/// `errc::unknown_custom_variant` naming it and `register_custom`. Thread-safe.
caf::expected<std::string>
encode_event(const capitan::event& e, const custom_registry& registry = default_custom_registry());

/// Same as `encode_event(const capitan::event&)` for a decoded event (to forward one).
caf::expected<std::string>
encode_event(const decoded_event& e, const custom_registry& registry = default_custom_registry());

/// Decodes `encode_event`'s bytes; every `key<T>::from` on `make_event(result)` then returns
/// what it returned on the sender's event. Empty, garbage or truncated input, a field of an
/// unknown kind or a bad severity fail with `errc::decode_failed`; see `event_decode_options`
/// for size and custom variants. Never throws. Thread-safe.
caf::expected<decoded_event> decode_event(std::string_view bytes,
                                          const event_decode_options& options = {});

/// The same event as one line of JSON, for newline-delimited JSON streams, humans and `jq`:
/// `{"signal":..,"severity":"info","timestamp":"2024-05-01T12:00:00.123456789Z",
///   "trace_id":..,"correlation_id":..,"fields":[{"name":..,"type":"int64","value":"-5"},..]}`.
/// int64 and uint64 values are strings (exact beyond 2^53), bytes are base64, time points
/// RFC 3339 UTC, durations `"-1.500s"`, non-finite floats `"NaN"`/`"Infinity"`/`"-Infinity"`;
/// custom fields carry `variant` and `content_type`, and their value as JSON when the codec
/// writes JSON, else base64. Strings that are not UTF-8 fail with `errc::encode_failed` (use a
/// bytes key for binary data). Thread-safe.
caf::expected<std::string>
encode_event_json(const capitan::event& e,
                  const custom_registry& registry = default_custom_registry());

/// Same as `encode_event_json(const capitan::event&)` for a decoded event.
caf::expected<std::string>
encode_event_json(const decoded_event& e,
                  const custom_registry& registry = default_custom_registry());

/// Decodes `encode_event_json`'s text. Also accepts int64 / uint64 values written as JSON
/// numbers. Errors name the field and what was expected. Never throws. Thread-safe.
caf::expected<decoded_event> decode_event_json(std::string_view text,
                                               const event_decode_options& options = {});

} // namespace armada::serialization
