#include "armada/serialization/base64.hpp"

#include <algorithm>
#include <climits>

#include <openssl/evp.h>

#include "armada/serialization/errc.hpp"

namespace armada::serialization {

namespace {

// EVP_EncodeBlock / EVP_DecodeBlock take an int length; work in chunks well below INT_MAX.
// Multiples of 3 (encode) and 4 (decode) keep chunks independent.
constexpr std::size_t encode_chunk = 3 * (1u << 24);
constexpr std::size_t decode_chunk = 4 * (1u << 24);

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

caf::error invalid(std::string_view text, std::size_t pos, std::string_view why) {
  return make_error(errc::invalid_base64,
                    "invalid base64 at offset " + std::to_string(pos) + " of " +
                        std::to_string(text.size()) + " characters: " + std::string{why} +
                        "; expected RFC 4648 base64 (A-Z a-z 0-9 + /, '=' padding to a multiple "
                        "of 4, no whitespace)");
}

// Checks `text` against RFC 4648 and returns the number of padding characters.
caf::expected<std::size_t> validate(std::string_view text) {
  if (text.size() % 4 != 0)
    return invalid(text, text.size(), "length is not a multiple of 4 (missing padding?)");
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  auto data_end = text.size() - padding;
  for (std::size_t i = 0; i < data_end; ++i)
    if (!in_alphabet(text[i]))
      return invalid(text, i,
                     text[i] == '=' ? "'=' before the end" : "a character outside the alphabet");
  return padding;
}

} // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t at = 0; at < data.size(); at += encode_chunk) {
    auto n = std::min(encode_chunk, data.size() - at);
    auto old = out.size();
    out.resize(old + (n + 2) / 3 * 4 + 1); // EVP_EncodeBlock writes a trailing NUL
    auto written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + old),
                                   reinterpret_cast<const unsigned char*>(data.data() + at),
                                   static_cast<int>(n));
    out.resize(old + static_cast<std::size_t>(written));
  }
  return out;
}

std::string base64_encode(std::span<const std::byte> data) {
  return base64_encode(std::string_view{reinterpret_cast<const char*>(data.data()), data.size()});
}

caf::expected<std::string> base64_decode(std::string_view text) {
  auto padding = validate(text);
  if (!padding)
    return padding.error();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t at = 0; at < text.size(); at += decode_chunk) {
    auto n = std::min(decode_chunk, text.size() - at);
    auto old = out.size();
    out.resize(old + n / 4 * 3);
    auto written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + old),
                                   reinterpret_cast<const unsigned char*>(text.data() + at),
                                   static_cast<int>(n));
    if (written < 0)
      return invalid(text, at, "rejected by the decoder");
    out.resize(old + static_cast<std::size_t>(written));
  }
  // EVP_DecodeBlock decodes '=' as zero bits and keeps them: drop one byte per pad character.
  out.resize(out.size() - *padding);
  return out;
}

caf::expected<std::vector<std::byte>> base64_decode_bytes(std::string_view text) {
  auto decoded = base64_decode(text);
  if (!decoded)
    return decoded.error();
  auto first = reinterpret_cast<const std::byte*>(decoded->data());
  return std::vector<std::byte>(first, first + decoded->size());
}

} // namespace armada::serialization
