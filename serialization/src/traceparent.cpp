#include "armada/serialization/traceparent.hpp"

#include <array>
#include <cctype>
#include <random>

#include <openssl/rand.h>

#include "armada/serialization/errc.hpp"

namespace armada::serialization {

namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (hex_digits.find(c) == std::string_view::npos)
      return false;
  return true;
}

bool all_zero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

std::uint8_t hex_byte(std::string_view two) {
  return static_cast<std::uint8_t>(hex_digits.find(two[0]) * 16 + hex_digits.find(two[1]));
}

// `n` random bytes as 2n hex digits, never all zero. OpenSSL's CSPRNG, falling back to
// std::random_device if it is unavailable.
std::string random_hex(std::size_t n) {
  std::array<unsigned char, 16> buf{};
  std::string out;
  do {
    if (RAND_bytes(buf.data(), static_cast<int>(n)) != 1) {
      std::random_device rd;
      for (std::size_t i = 0; i < n; ++i)
        buf[i] = static_cast<unsigned char>(rd());
    }
    out.clear();
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(hex_digits[buf[i] >> 4]);
      out.push_back(hex_digits[buf[i] & 0x0f]);
    }
  } while (all_zero(out));
  return out;
}

caf::error invalid(std::string_view text, std::string_view why) {
  return make_error(errc::invalid_traceparent,
                    "invalid traceparent '" + std::string{text.substr(0, 80)} +
                        "': " + std::string{why} +
                        "; expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags> in "
                        "lower case, ids not all zero");
}

} // namespace

std::string traceparent::to_string() const {
  std::string out = "00-" + trace_id + "-" + parent_id + "-";
  out.push_back(hex_digits[flags >> 4]);
  out.push_back(hex_digits[flags & 0x0f]);
  return out;
}

bool is_valid_trace_id(std::string_view id) {
  return id.size() == 32 && is_lower_hex(id) && !all_zero(id);
}

std::string random_trace_id() {
  return random_hex(16);
}

std::string random_span_id() {
  return random_hex(8);
}

caf::expected<std::string> make_traceparent(std::string_view trace_id, bool sampled) {
  std::string id{trace_id};
  for (auto& c : id)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!is_valid_trace_id(id))
    return make_error(errc::invalid_traceparent,
                      "cannot make a traceparent from trace id '" +
                          std::string{trace_id.substr(0, 80)} +
                          "': a trace id is 32 hex digits, not all zero; use random_trace_id() "
                          "for a new trace");
  traceparent tp{0, std::move(id), random_span_id(), static_cast<std::uint8_t>(sampled ? 1 : 0)};
  return tp.to_string();
}

caf::expected<traceparent> parse_traceparent(std::string_view text) {
  // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2) = 55 characters
  if (text.size() < 55)
    return invalid(text, "too short (" + std::to_string(text.size()) + " of 55 characters)");
  if (text[2] != '-' || text[35] != '-' || text[52] != '-')
    return invalid(text, "'-' separators expected after the version, trace id and parent id");
  auto version = text.substr(0, 2);
  auto trace_id = text.substr(3, 32);
  auto parent_id = text.substr(36, 16);
  auto flags = text.substr(53, 2);
  if (!is_lower_hex(version) || !is_lower_hex(trace_id) || !is_lower_hex(parent_id) ||
      !is_lower_hex(flags))
    return invalid(text, "fields must be lower-case hex digits");
  if (version == "ff")
    return invalid(text, "version ff is forbidden");
  if (version == "00" && text.size() != 55)
    return invalid(text, "version 00 is exactly 55 characters");
  if (text.size() > 55 && text[55] != '-')
    return invalid(text, "fields of a later version must follow a '-'");
  if (all_zero(trace_id))
    return invalid(text, "the trace id is all zero");
  if (all_zero(parent_id))
    return invalid(text, "the parent id is all zero");
  return traceparent{hex_byte(version), std::string{trace_id}, std::string{parent_id},
                     hex_byte(flags)};
}

} // namespace armada::serialization
