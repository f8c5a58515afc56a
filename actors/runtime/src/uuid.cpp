#include "armada/runtime/uuid.hpp"

#include <cstring>
#include <random>
#include <string_view>

namespace armada {

uuid uuid::random() {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64{seq};
  }()};
  uuid result;
  auto hi = gen();
  auto lo = gen();
  std::memcpy(result.bytes_.data(), &hi, 8);
  std::memcpy(result.bytes_.data() + 8, &lo, 8);
  result.bytes_[6] = static_cast<std::uint8_t>((result.bytes_[6] & 0x0F) | 0x40); // version 4
  result.bytes_[8] = static_cast<std::uint8_t>((result.bytes_[8] & 0x3F) | 0x80); // RFC variant
  return result;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::optional<uuid> uuid::parse(std::string_view text) {
  if (text.size() != 36)
    return std::nullopt;
  uuid result;
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-')
        return std::nullopt;
      ++i;
      continue;
    }
    auto h = hex_value(text[i]);
    auto l = hex_value(text[i + 1]);
    if (h < 0 || l < 0)
      return std::nullopt;
    result.bytes_[byte++] = static_cast<std::uint8_t>(h * 16 + l);
    i += 2;
  }
  return result;
}

std::string uuid::to_string() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    out += digits[bytes_[i] >> 4];
    out += digits[bytes_[i] & 0x0F];
  }
  return out;
}

bool uuid::is_nil() const {
  for (auto b : bytes_)
    if (b != 0)
      return false;
  return true;
}

} // namespace armada

std::size_t std::hash<armada::uuid>::operator()(const armada::uuid& x) const noexcept {
  std::uint64_t a;
  std::uint64_t b;
  std::memcpy(&a, x.bytes().data(), 8);
  std::memcpy(&b, x.bytes().data() + 8, 8);
  return std::hash<std::uint64_t>{}(a ^ (b * 0x9E3779B97F4A7C15ULL));
}
