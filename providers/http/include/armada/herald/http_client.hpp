#pragma once

// The HTTP client of the cloud providers: plain http/1.1 to one configured endpoint on
// Boost.Beast, one kept-alive connection reused across requests, a timeout on every step, and
// retries with jittered backoff on transport failures, 5xx and throttling answers. Blocking:
// call it from a detached actor or your own thread, never from a CAF scheduler thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

namespace armada::herald::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// One request. `Host`, `Content-Length` and `Connection` are set by the client.
struct request {
  std::string method{"POST"};
  std::string target{"/"};
  header_list headers{};
  std::string body{};
  std::chrono::milliseconds timeout{0}; ///< this request's timeout; 0: the client's request_timeout
};

/// One response (any status: deciding what a status means is the caller's).
struct response {
  int status = 0;
  header_list headers{};
  std::string body{};

  /// The value of header `name` (case-insensitive), or empty.
  std::string header(std::string_view name) const;
};

/// Where and how to talk.
struct client_options {
  std::string who{"http client"};  ///< names the caller in errors: "sqs provider"
  std::string host{"127.0.0.1"};   ///< an IP address or a host name (resolved on connect)
  std::uint16_t port = 80;
  std::string hint{};              ///< appended to connection errors: "is moto_server running? …"
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000}; ///< writing the request and reading the answer
  int max_attempts = 4;                             ///< transport failures, 5xx and throttling
  std::chrono::milliseconds backoff_base{50};       ///< doubling, ×0.5–1.5 jitter
  std::chrono::milliseconds backoff_max{2000};
};

/// Decides whether a response is worth another attempt (default: 5xx and 429).
using retry_predicate = std::function<bool(const response&)>;

/// True for 5xx and 429.
bool default_retryable(const response& r);

/// A client of one endpoint. Not thread-safe: one thread at a time (each subscription of a
/// provider has its own). `close` may be called from the owning thread only.
class client {
public:
  explicit client(client_options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// The Host header this client sends (`127.0.0.1:4566`), for signing.
  std::string host_header() const;

  /// `host:port` as errors show it.
  std::string endpoint() const;

  /// Sends `r`, retrying transport failures and answers `retryable` accepts, with jittered
  /// backoff, at most `max_attempts` times; `prepare` (when set) runs before every attempt (to
  /// sign it afresh). Returns the last response — whatever its status — or an `errc::transport`
  /// / `errc::timeout` error naming the endpoint and the hint.
  caf::expected<response> call(request r, const retry_predicate& retryable = default_retryable,
                               const std::function<void(request&)>& prepare = {});

  /// One attempt, no retries (a stale kept-alive connection is reopened once).
  caf::expected<response> send(const request& r);

  /// Closes the connection (the next request reopens it).
  void close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  client_options opts_;
};

} // namespace armada::herald::http
