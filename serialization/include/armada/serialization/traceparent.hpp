#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace armada::serialization {

/// A parsed W3C `traceparent` header (https://www.w3.org/TR/trace-context/):
/// `version-traceid-parentid-flags`, e.g.
/// `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
struct traceparent {
  std::uint8_t version = 0;
  /// 32 lower-case hex digits, not all zero.
  std::string trace_id;
  /// 16 lower-case hex digits, not all zero: the span that sent the message.
  std::string parent_id;
  /// Trace flags; bit 0 is "sampled".
  std::uint8_t flags = 0;

  bool sampled() const { return (flags & 0x01) != 0; }

  /// The version-00 header text.
  std::string to_string() const;
};

/// Whether `id` is a valid W3C trace id: 32 lower-case hex digits, not all zero.
bool is_valid_trace_id(std::string_view id);

/// A new random trace id (32 lower-case hex digits, never all zero). Thread-safe.
std::string random_trace_id();

/// A new random span id (16 lower-case hex digits, never all zero). Thread-safe.
std::string random_span_id();

/// A version-00 traceparent for `trace_id` (32 hex digits; upper case is lowered) with a new
/// random parent (span) id, flagged sampled or not. Fails with `errc::invalid_traceparent`
/// when `trace_id` is not 32 hex digits or is all zero. Thread-safe.
caf::expected<std::string> make_traceparent(std::string_view trace_id, bool sampled = true);

/// Parses a traceparent header. Fails with `errc::invalid_traceparent` naming the problem when
/// the format is wrong (lengths, separators, upper-case or non-hex digits), the version is
/// `ff`, or the trace id or parent id is all zero. A version above 00 may carry more fields
/// after the flags (as W3C requires, they are ignored); version 00 must be exactly 55 characters.
caf::expected<traceparent> parse_traceparent(std::string_view text);

} // namespace armada::serialization
