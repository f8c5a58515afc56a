#include "armada/herald/url.hpp"

#include <charconv>

#include "armada/herald/errc.hpp"
#include "armada/herald/redact.hpp"

namespace armada::herald {

namespace {

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int v = 0;
      auto r = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
      if (r.ec == std::errc{} && r.ptr == in.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += in[i] == '+' ? ' ' : in[i];
  }
  return out;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

} // namespace

bool is_secret_property(std::string_view name) {
  for (std::string_view word : {"password", "secret", "token", "credential"})
    if (name.find(word) != std::string_view::npos)
      return true;
  return false;
}

std::string shown_value(std::string_view property, std::string_view value) {
  return is_secret_property(property) ? "***" : std::string{value};
}

std::string redact(std::string_view text) {
  std::string out{text};
  auto start = out.find("://");
  auto authority = start == std::string::npos ? 0 : start + 3;
  auto query = out.find('?', authority);
  auto end = std::min(out.find('/', authority), query);
  if (auto at = out.rfind('@', end == std::string::npos ? std::string::npos : end - 1);
      at != std::string::npos && at >= authority && start != std::string::npos) {
    auto colon = out.find(':', authority);
    auto from = colon != std::string::npos && colon < at ? colon + 1 : authority;
    out.replace(from, at - from, "***");
    query = out.find('?', authority);
  }
  if (query == std::string::npos)
    return out;
  for (auto pos = query + 1; pos < out.size();) {
    auto amp = std::min(out.find('&', pos), out.size());
    auto eq = out.find('=', pos);
    if (eq != std::string::npos && eq < amp && is_secret_property(out.substr(pos, eq - pos))) {
      out.replace(eq + 1, amp - eq - 1, "***");
      amp = eq + 4;
    }
    pos = amp + 1;
  }
  return out;
}

caf::expected<url> url::parse(std::string_view text) {
  auto bad = [&](std::string why) {
    return make_error(errc::config, "bad URL '" + redact(text) + "': " + why
                                      + "; expected scheme://host:port/path?property=value");
  };
  url result;
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return bad("no scheme");
  result.scheme = std::string{text.substr(0, sep)};
  auto rest = text.substr(sep + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    result.path = percent_decode(rest.substr(slash + 1));
  }
  std::string shown_authority{authority};
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    shown_authority = redact(result.scheme + "://" + shown_authority).substr(sep + 3);
    authority = authority.substr(at + 1);
  }
  if (!authority.empty()) {
    auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
      result.host = std::string{authority};
    } else {
      result.host = std::string{authority.substr(0, colon)};
      std::int64_t port = 0;
      if (!parse_int(authority.substr(colon + 1), port) || port <= 0 || port > 65535)
        return bad("port '" + std::string{authority.substr(colon + 1)} + "' is not a number in 1..65535");
      result.port = static_cast<std::uint16_t>(port);
    }
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      if (eq == std::string_view::npos)
        return bad("property '" + std::string{pair} + "' has no value (write name=value)");
      result.query[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos)
      break;
    query = query.substr(amp + 1);
  }
  result.text = result.scheme + "://" + shown_authority
                + (result.path.empty() ? "" : "/" + result.path);
  return result;
}

caf::expected<properties> properties::resolve(std::string_view provider, const url& u,
                                              const std::vector<property_spec>& specs) {
  properties result;
  for (auto& s : specs)
    result.values_[s.name] = s.default_value;
  for (auto& [name, value] : u.query) {
    const property_spec* spec = nullptr;
    for (auto& s : specs)
      if (s.name == name)
        spec = &s;
    if (spec == nullptr) {
      std::string known;
      for (auto& s : specs)
        known += (known.empty() ? "" : ", ") + s.name;
      return make_error(errc::config, std::string{provider} + " provider: unknown property '" + name
                                        + "'; known properties: " + known);
    }
    std::int64_t n = 0;
    // Init-captures: clang before 16 cannot capture structured bindings (the fuzz build).
    auto wrong = [&, &name = name, &value = value](std::string_view expected) {
      return make_error(errc::config, std::string{provider} + " provider: property '" + name
                                        + "' must be " + std::string{expected} + ", got '"
                                        + shown_value(name, value) + "' (" + spec->description + ")");
    };
    switch (spec->type) {
      case property_spec::kind::integer:
        if (!parse_int(value, n))
          return wrong("an integer");
        break;
      case property_spec::kind::milliseconds:
        if (!parse_int(value, n) || n < 0)
          return wrong("a non-negative number of milliseconds");
        break;
      case property_spec::kind::boolean:
        if (value != "true" && value != "false")
          return wrong("true or false");
        break;
      case property_spec::kind::string:
        break;
    }
    result.values_[name] = value;
  }
  return result;
}

const std::string& properties::get(const std::string& name) const {
  static const std::string empty;
  auto i = values_.find(name);
  return i == values_.end() ? empty : i->second;
}

std::int64_t properties::integer(const std::string& name) const {
  std::int64_t n = 0;
  parse_int(get(name), n);
  return n;
}

bool properties::boolean(const std::string& name) const {
  return get(name) == "true";
}

std::chrono::milliseconds properties::millis(const std::string& name) const {
  return std::chrono::milliseconds{integer(name)};
}

} // namespace armada::herald
