#include "time_text.hpp"

#include <cstdint>
#include <cstdio>
#include <limits>

namespace armada::serialization::detail {

namespace {

using namespace std::chrono;

constexpr std::int64_t nanos_per_second = 1'000'000'000;
using lim = std::numeric_limits<std::int64_t>;

// `frac` (0..999'999'999) as "", ".123", ".123456" or ".123456789".
std::string fraction(std::uint64_t frac) {
  if (frac == 0)
    return {};
  char buf[16];
  if (frac % 1'000'000 == 0)
    std::snprintf(buf, sizeof buf, ".%03u", static_cast<unsigned>(frac / 1'000'000));
  else if (frac % 1'000 == 0)
    std::snprintf(buf, sizeof buf, ".%06u", static_cast<unsigned>(frac / 1'000));
  else
    std::snprintf(buf, sizeof buf, ".%09u", static_cast<unsigned>(frac));
  return buf;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at `text[at]`.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size())
    return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!is_digit(text[i]))
      return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

// Reads ".d{1,9}" at `text[at]` (if present) as nanoseconds and advances `at`.
std::optional<std::int64_t> read_fraction(std::string_view text, std::size_t& at) {
  if (at >= text.size() || text[at] != '.')
    return 0;
  ++at;
  std::int64_t v = 0;
  std::size_t n = 0;
  while (at < text.size() && is_digit(text[at])) {
    if (++n > 9)
      return std::nullopt;
    v = v * 10 + (text[at++] - '0');
  }
  if (n == 0)
    return std::nullopt;
  for (; n < 9; ++n)
    v *= 10;
  return v;
}

} // namespace

std::string format_time(system_clock::time_point t) {
  // Whole seconds (floored) and the nanoseconds past them, computed without overflowing at
  // the ends of the int64 nanosecond range.
  auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  auto secs = ns / nanos_per_second;
  auto frac = ns % nanos_per_second;
  if (frac < 0) {
    secs -= 1;
    frac += nanos_per_second;
  }
  auto day = floor<days>(sys_seconds{seconds{secs}});
  year_month_day ymd{day};
  auto in_day = (sys_seconds{seconds{secs}} - day).count(); // 0 .. 86399
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(in_day / 3600), static_cast<int>(in_day / 60 % 60),
                static_cast<int>(in_day % 60));
  return std::string{buf} + fraction(static_cast<std::uint64_t>(frac)) + "Z";
}

std::optional<system_clock::time_point> parse_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.f]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  auto y = digits(text, 0, 4);
  auto mo = digits(text, 5, 2);
  auto d = digits(text, 8, 2);
  auto h = digits(text, 11, 2);
  auto mi = digits(text, 14, 2);
  auto s = digits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59)
    return std::nullopt;
  year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok())
    return std::nullopt;
  std::size_t at = 19;
  auto frac = read_fraction(text, at);
  if (!frac || at + 1 != text.size() || (text[at] != 'Z' && text[at] != 'z'))
    return std::nullopt;
  std::int64_t secs = sys_days{ymd}.time_since_epoch().count() * 86400 + *h * 3600 + *mi * 60 + *s;
  // 128 bits: the earliest representable time has a whole second below the int64 range.
  auto total = static_cast<__int128>(secs) * nanos_per_second + *frac;
  if (total < lim::min() || total > lim::max())
    return std::nullopt;
  return system_clock::time_point{
      duration_cast<system_clock::duration>(nanoseconds{static_cast<std::int64_t>(total)})};
}

std::string format_duration(nanoseconds d) {
  auto count = d.count();
  bool negative = count < 0;
  // the magnitude, without overflowing on the most negative value
  auto magnitude =
      negative ? static_cast<std::uint64_t>(-(count + 1)) + 1 : static_cast<std::uint64_t>(count);
  auto secs = magnitude / static_cast<std::uint64_t>(nanos_per_second);
  auto frac = magnitude % static_cast<std::uint64_t>(nanos_per_second);
  return (negative ? "-" : "") + std::to_string(secs) + fraction(frac) + "s";
}

std::optional<nanoseconds> parse_duration(std::string_view text) {
  std::size_t at = 0;
  bool negative = !text.empty() && text[0] == '-';
  if (negative)
    ++at;
  std::uint64_t secs = 0;
  auto start = at;
  while (at < text.size() && is_digit(text[at])) {
    if (__builtin_mul_overflow(secs, 10u, &secs) ||
        __builtin_add_overflow(secs, static_cast<unsigned>(text[at] - '0'), &secs))
      return std::nullopt;
    ++at;
  }
  if (at == start)
    return std::nullopt;
  auto frac = read_fraction(text, at);
  if (!frac || at + 1 != text.size() || text[at] != 's')
    return std::nullopt;
  std::uint64_t magnitude = 0;
  if (__builtin_mul_overflow(secs, static_cast<std::uint64_t>(nanos_per_second), &magnitude) ||
      __builtin_add_overflow(magnitude, static_cast<std::uint64_t>(*frac), &magnitude))
    return std::nullopt;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > max + (negative ? 1 : 0))
    return std::nullopt;
  if (!negative)
    return nanoseconds{static_cast<std::int64_t>(magnitude)};
  return nanoseconds{magnitude == max + 1 ? std::numeric_limits<std::int64_t>::min()
                                          : -static_cast<std::int64_t>(magnitude)};
}

} // namespace armada::serialization::detail
