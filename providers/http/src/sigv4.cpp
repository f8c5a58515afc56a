#include "armada/herald/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "armada/runtime/thread_exit.hpp"

namespace armada::herald::aws {

namespace {

// Signing leaves OpenSSL state on the signing thread: released before an actor thread ends,
// not by OPENSSL_cleanup at exit while the thread may still be ending (see at_actor_thread_exit).
[[maybe_unused]] const bool releases_openssl_thread_state = armada::at_actor_thread_exit(&OPENSSL_thread_stop);

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0f];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// Trimmed, with inner runs of spaces folded to one (the suite's get-header-value-trim).
std::string fold_spaces(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string canonical_query(std::string_view query) {
  if (query.empty())
    return {};
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = std::min(query.find('&', start), query.size());
    auto part = query.substr(start, end - start);
    if (!part.empty()) {
      auto eq = part.find('=');
      if (eq == std::string_view::npos)
        params.emplace_back(std::string{part}, std::string{});
      else
        params.emplace_back(std::string{part.substr(0, eq)}, std::string{part.substr(eq + 1)});
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (auto& [k, v] : params) {
    if (!out.empty())
      out += '&';
    out += k + "=" + v;
  }
  return out;
}

} // namespace

credentials credentials::or_environment() const {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string{v != nullptr ? v : ""};
  };
  credentials c = *this;
  if (c.access_key_id.empty())
    c.access_key_id = env("AWS_ACCESS_KEY_ID");
  if (c.secret_access_key.empty())
    c.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  if (c.session_token.empty())
    c.session_token = env("AWS_SESSION_TOKEN");
  return c;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof digest);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string{reinterpret_cast<const char*>(out), len};
}

std::string uri_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0x0f];
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

signature sign(const signing_input& in, const credentials& creds) {
  // Canonical headers: lower-case names, sorted; repeated names joined with ',' in order.
  std::map<std::string, std::string> headers;
  for (auto& [name, value] : in.headers) {
    auto& slot = headers[lower(name)];
    if (!slot.empty())
      slot += ',';
    slot += fold_spaces(value);
  }
  signature s;
  std::string canonical_headers;
  for (auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!s.signed_headers.empty())
      s.signed_headers += ';';
    s.signed_headers += name;
  }
  s.canonical_request = in.method + "\n" + in.path + "\n" + canonical_query(in.query) + "\n" + canonical_headers
                        + "\n" + s.signed_headers + "\n" + sha256_hex(in.body);
  auto date = in.amz_date.substr(0, 8);
  auto scope = date + "/" + in.region + "/" + in.service + "/aws4_request";
  s.string_to_sign = "AWS4-HMAC-SHA256\n" + in.amz_date + "\n" + scope + "\n" + sha256_hex(s.canonical_request);
  auto key = hmac_sha256("AWS4" + creds.secret_access_key, date);
  key = hmac_sha256(key, in.region);
  key = hmac_sha256(key, in.service);
  key = hmac_sha256(key, "aws4_request");
  auto sig = hmac_sha256(key, s.string_to_sign);
  s.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope
                    + ", SignedHeaders=" + s.signed_headers + ", Signature="
                    + hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
  return s;
}

void sign_request(http::request& r, const std::string& host, const std::string& region, const std::string& service,
                  const credentials& creds, std::chrono::system_clock::time_point now) {
  signing_input in;
  in.method = r.method;
  auto q = r.target.find('?');
  in.path = r.target.substr(0, q);
  if (q != std::string::npos)
    in.query = r.target.substr(q + 1);
  in.amz_date = amz_date(now);
  r.headers.emplace_back("X-Amz-Date", in.amz_date);
  if (!creds.session_token.empty())
    r.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  in.headers = r.headers;
  in.headers.emplace_back("Host", host);
  in.body = r.body;
  in.region = region;
  in.service = service;
  r.headers.emplace_back("Authorization", sign(in, creds).authorization);
}

} // namespace armada::herald::aws
