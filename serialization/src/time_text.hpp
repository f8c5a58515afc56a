#pragma once

// Text forms of time points and durations for the JSON event form (private to the module).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace armada::serialization::detail {

/// RFC 3339 UTC with 0, 3, 6 or 9 fractional digits: `2024-05-01T12:00:00.123456789Z`.
std::string format_time(std::chrono::system_clock::time_point t);

/// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` (`t` and `z` allowed in lower case); nullopt when
/// the text is not that or out of range.
std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text);

/// Seconds with 0, 3, 6 or 9 fractional digits and an `s` suffix: `-1.500s`, `0s`.
std::string format_duration(std::chrono::nanoseconds d);

/// Parses `[-]S[.f{1,9}]s`; nullopt when the text is not that or out of range.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

} // namespace armada::serialization::detail
