#include "armada/serialization/media_type.hpp"

#include <algorithm>
#include <cctype>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/metadata.hpp"

namespace armada::serialization {

namespace {

bool is_token_char(char c) {
  // RFC 9110 tchar
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

void skip_space(std::string_view text, std::size_t& i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
    ++i;
}

std::string_view read_token(std::string_view text, std::size_t& i) {
  auto start = i;
  while (i < text.size() && is_token_char(text[i]))
    ++i;
  return text.substr(start, i - start);
}

caf::error bad(std::string_view text, std::string_view what) {
  return make_error(errc::wrong_content_type,
                    "content type '" + std::string{text} + "' does not parse (" +
                        std::string{what} +
                        "); expected type/subtype[; name=value], e.g. application/json");
}

} // namespace

std::string media_type::parameter(std::string_view name) const {
  for (auto& [k, v] : parameters)
    if (iequals(k, name))
      return v;
  return {};
}

caf::expected<media_type> parse_media_type(std::string_view text) {
  media_type out;
  std::size_t i = 0;
  skip_space(text, i);
  auto type = read_token(text, i);
  if (type.empty() || i >= text.size() || text[i] != '/')
    return bad(text, "missing type/subtype");
  ++i;
  auto subtype = read_token(text, i);
  if (subtype.empty())
    return bad(text, "missing subtype");
  out.essence = lower(type) + "/" + lower(subtype);
  skip_space(text, i);
  while (i < text.size()) {
    if (text[i] != ';')
      return bad(text, "expected ';' before a parameter");
    ++i;
    skip_space(text, i);
    if (i == text.size())
      break; // a trailing ';' is tolerated
    auto name = read_token(text, i);
    if (name.empty() || i >= text.size() || text[i] != '=')
      return bad(text, "a parameter needs name=value");
    ++i;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size())
          c = text[i++];
        value.push_back(c);
      }
      if (!closed)
        return bad(text, "unterminated quoted parameter value");
    } else {
      value = std::string{read_token(text, i)};
      if (value.empty())
        return bad(text, "empty parameter value");
    }
    out.parameters.emplace_back(lower(name), std::move(value));
    skip_space(text, i);
  }
  return out;
}

std::string protobuf_content_type(std::string_view full_name) {
  return std::string{content_types::protobuf} + "; " +
         std::string{content_types::protobuf_type_parameter} + "=" + std::string{full_name};
}

caf::error check_content_type(std::string_view expected, std::string_view actual) {
  if (actual.empty())
    return {};
  auto mismatch = [&] {
    return make_error(errc::wrong_content_type,
                      "payload of content type '" + std::string{actual} +
                          "' cannot be decoded by a codec for '" + std::string{expected} +
                          "'; subscribe with a codec for '" + std::string{actual} +
                          "' or publish with the matching codec");
  };
  auto want = parse_media_type(expected);
  auto got = parse_media_type(actual);
  if (!got)
    return got.error();
  if (!want || want->essence != got->essence)
    return mismatch();
  for (auto& [name, value] : want->parameters) {
    auto other = got->parameter(name);
    if (!other.empty() && other != value)
      return mismatch();
  }
  return {};
}

} // namespace armada::serialization
