#pragma once

// AWS Signature Version 4 (header signing, AWS4-HMAC-SHA256) on OpenSSL. Checked against AWS's
// published aws-sig-v4-test-suite vectors (tests/unit/http/sigv4_test.cpp).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "armada/herald/http_client.hpp"

namespace armada::herald::aws {

/// Credentials of one AWS principal. `session_token` is empty for long-term keys.
struct credentials {
  std::string access_key_id{};
  std::string secret_access_key{}; ///< never shown in errors, state or logs
  std::string session_token{};

  /// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, each only
  /// where the given value is empty. Thread-safe as long as nobody changes the environment.
  credentials or_environment() const;
};

/// What is signed: one HTTP request (the headers it will carry, including `host` and
/// `x-amz-date`), the scope and the time.
struct signing_input {
  std::string method{"POST"};
  std::string path{"/"};  ///< the canonical URI, already URI-encoded
  std::string query{};    ///< `a=1&b=2`, already URI-encoded (sorted here); empty: none
  std::vector<std::pair<std::string, std::string>> headers{}; ///< every header to sign
  std::string body{};
  std::string region{};
  std::string service{};
  std::string amz_date{}; ///< `20150830T123600Z`, the value of the x-amz-date header
};

/// The steps of one signature (each one is checked against the test vectors).
struct signature {
  std::string canonical_request{};
  std::string string_to_sign{};
  std::string signed_headers{}; ///< `host;x-amz-date`
  std::string authorization{};  ///< the value of the Authorization header
};

/// Signs `in` with `creds`. Header names are lower-cased and sorted, values trimmed with inner
/// runs of spaces folded, repeated headers joined with ','. Never fails; thread-safe.
signature sign(const signing_input& in, const credentials& creds);

/// Signs `r` for `host` (the Host header the client sends) at `now`: adds X-Amz-Date,
/// X-Amz-Security-Token (with a session token) and Authorization, signing every header of `r`.
void sign_request(http::request& r, const std::string& host, const std::string& region, const std::string& service,
                  const credentials& creds, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// `20150830T123600Z` for `t` (UTC).
std::string amz_date(std::chrono::system_clock::time_point t);

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Raw HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// RFC 3986 percent-encoding as SigV4 and the AWS query protocol want it (unreserved characters
/// kept, everything else %XX upper-case).
std::string uri_encode(std::string_view text);

} // namespace armada::herald::aws
