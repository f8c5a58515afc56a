#pragma once

// The raw baseline's HTTP: one kept-alive Boost.Beast connection, synchronous, no retries.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace armada::bench {

class raw_http {
public:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  struct answer {
    int status = 0;
    std::string body{};
  };

  /// Connects to host:port; exits the process with a message when it cannot.
  raw_http(const std::string& host, std::uint16_t port);
  ~raw_http();

  /// `Host` as sent (for signing).
  std::string host_header() const;

  /// One request on the connection (`Host` and `Content-Length` are added); exits the process on
  /// a transport error.
  answer send(const std::string& method, const std::string& target, const header_list& headers,
              const std::string& body);

  /// A JSON POST (or `method`) whose answer must be 200; exits the process otherwise.
  std::string json(const std::string& method, const std::string& target, const std::string& body);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace armada::bench
