// ndjson: one JSON object per line, fields in this order:
//   {"id":"…","key":"…","topic":"…","metadata":{…},"payload":"…","published":"RFC
//   3339","attempt":0}
// A payload that is not valid UTF-8 is written in base64 with metadata
// `content-transfer-encoding: base64`, which the reader removes again.

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"
#include "armada/serialization/base64.hpp"
#include "armada/serialization/metadata.hpp"
#include "wire_format.hpp"

namespace armada::herald::io::detail {

namespace {

using json = nlohmann::ordered_json;
using namespace std::chrono;

const std::string transfer_encoding{serialization::metadata::content_transfer_encoding};

bool valid_utf8(std::string_view s) {
  static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i <= n)
      return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < smallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

std::string rfc3339(system_clock::time_point t) {
  auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  auto secs = ns / 1'000'000'000;
  auto frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  auto tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)"; nullopt when malformed.
std::optional<system_clock::time_point> parse_rfc3339(const std::string& s) {
  std::tm tm{};
  int used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 ||
      used == 0)
    return std::nullopt;
  std::size_t at = static_cast<std::size_t>(used);
  std::int64_t frac = 0;
  if (at < s.size() && s[at] == '.') {
    std::size_t digits = 0;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++digits)
      if (digits < 9)
        frac = frac * 10 + (s[at] - '0');
    if (digits == 0)
      return std::nullopt;
    for (; digits < 9; ++digits)
      frac *= 10;
  }
  std::int64_t offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    int h = 0, m = 0;
    if (std::sscanf(s.c_str() + at + 1, "%2d:%2d", &h, &m) != 2)
      return std::nullopt;
    offset = (s[at] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size())
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto secs = static_cast<std::int64_t>(timegm(&tm)) - offset;
  // system_clock counts nanoseconds in an int64: about the years 1678 to 2261.
  constexpr auto max_secs = duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  if (secs < -max_secs || secs > max_secs)
    return std::nullopt;
  return system_clock::time_point{
      duration_cast<system_clock::duration>(seconds{secs} + nanoseconds{frac})};
}

class ndjson_format final : public wire_format {
public:
  explicit ndjson_format(const options& opts)
    : opts_(opts) {}

  caf::expected<std::string> encode(const message& m) const override {
    auto refuse = [&](std::string what) {
      return make_error(errc::encode, "io provider: message " + m.id + " on topic '" + m.topic +
                                          "' cannot be written as ndjson: " + what);
    };
    for (auto* field : {&m.id, &m.key, &m.topic})
      if (!valid_utf8(*field))
        return refuse("its id, key or topic is not valid UTF-8; use format=frames");
    json meta = json::object();
    for (auto& [k, v] : m.metadata) {
      if (!valid_utf8(k) || !valid_utf8(v))
        return refuse("metadata '" + k + "' is not valid UTF-8; use format=frames");
      meta[k] = v;
    }
    if (m.metadata.count(transfer_encoding) != 0)
      return refuse(
          "metadata '" + transfer_encoding +
          "' is reserved for the line's payload encoding; remove it or use format=frames");
    json j;
    j["id"] = m.id;
    j["key"] = m.key;
    j["topic"] = m.topic;
    if (valid_utf8(m.payload)) {
      j["metadata"] = std::move(meta);
      j["payload"] = m.payload;
    } else {
      meta[transfer_encoding] = "base64";
      j["metadata"] = std::move(meta);
      j["payload"] = serialization::base64_encode(std::string_view{m.payload});
    }
    j["published"] = rfc3339(m.published);
    j["attempt"] = 0; // not delivered yet
    auto line = j.dump();
    if (line.size() > opts_.max_frame)
      return message_too_large(opts_, m, line.size());
    line += '\n';
    return line;
  }

  decoded decode(std::string_view bytes, std::uint64_t offset, std::size_t scanned) const override {
    decoded d;
    auto limit = std::min(bytes.size(), opts_.max_frame + 2); // the line, maybe '\r', and '\n'
    auto nl = bytes.substr(0, limit).find('\n', std::min(scanned, limit));
    if (nl == std::string_view::npos) {
      if (bytes.size() > opts_.max_frame + 1)
        return failed(frame_too_large(opts_, offset, bytes.size(), true));
      d.scanned = bytes.size();
      return d;
    }
    d.consumed = nl + 1;
    auto line = bytes.substr(0, nl);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.size() > opts_.max_frame)
      return failed(frame_too_large(opts_, offset, line.size(), false));
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      d.what = decoded::status::skip;
      return d;
    }
    auto bad = [&](std::string why) {
      return failed(make_error(
          errc::decode, "io provider: the line at byte " + std::to_string(offset) + " of " +
                            opts_.name + " " + why + "; the stream is not read any further"));
    };
    auto j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded())
      return bad("is not JSON (or not UTF-8); was it written with format=ndjson?");
    if (!j.is_object())
      return bad("is not a JSON object");
    auto text = [&](const char* name, std::string& out) {
      auto i = j.find(name);
      if (i == j.end() || i->is_null())
        return true;
      if (!i->is_string())
        return false;
      out = i->get<std::string>();
      return true;
    };
    auto& m = d.msg;
    std::string published;
    std::pair<const char*, std::string*> fields[] = {
        {"id", &m.id}, {"key", &m.key}, {"topic", &m.topic}, {"published", &published}};
    for (auto& [name, out] : fields)
      if (!text(name, *out))
        return bad(std::string{"has a field '"} + name + "' that is not a string");
    if (auto i = j.find("metadata"); i != j.end() && !i->is_null()) {
      if (!i->is_object())
        return bad("has a field 'metadata' that is not an object of strings");
      for (auto& [k, v] : i->items()) {
        if (!v.is_string())
          return bad("has metadata '" + k + "' that is not a string");
        m.metadata[k] = v.get<std::string>();
      }
    }
    if (auto i = j.find("payload"); i != j.end() && !i->is_null())
      m.payload = i->is_string() ? i->get<std::string>() : i->dump();
    if (auto cte = m.metadata.find(transfer_encoding);
        cte != m.metadata.end() && cte->second == "base64") {
      auto raw = serialization::base64_decode(m.payload);
      if (!raw)
        return bad("says its payload is base64 but it is not (" + armada::describe(raw.error()) +
                   ")");
      m.payload = std::move(*raw);
      m.metadata.erase(cte);
    }
    if (!published.empty()) {
      auto t = parse_rfc3339(published);
      if (!t)
        return bad("has a 'published' time '" + published +
                   "' that is not RFC 3339 (2024-05-01T12:00:00.000000001Z)");
      m.published = *t;
    }
    std::uint32_t attempt = 0;
    if (auto i = j.find("attempt"); i != j.end() && !i->is_null()) {
      if (!i->is_number_unsigned() || i->get<std::uint64_t>() > 1'000'000'000)
        return bad("has an 'attempt' that is not a small non-negative integer");
      attempt = i->get<std::uint32_t>();
    }
    m.attempt = std::max<std::uint32_t>(1, attempt);
    if (m.topic.empty())
      m.topic = opts_.default_topic;
    if (m.topic.empty())
      return bad("has no 'topic'; add one or set the `topic` property to give such lines one");
    if (m.id.empty())
      m.id = fresh_id();
    m.broker = std::to_string(offset);
    d.what = decoded::status::message;
    return d;
  }

private:
  static decoded failed(caf::error err) {
    decoded d;
    d.what = decoded::status::failed;
    d.error = std::move(err);
    return d;
  }

  options opts_;
};

} // namespace

std::unique_ptr<wire_format> make_ndjson_format(const options& opts) {
  return std::make_unique<ndjson_format>(opts);
}

} // namespace armada::herald::io::detail
