#include "raw_http.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace armada::bench {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct raw_http::impl {
  boost::asio::io_context ioc{};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer{};
  tcp::endpoint at{};
  std::string host{};
  bool open = false;

  // (Re)connects; a server that answers `Connection: close` (moto's) costs one connect a request.
  void connect() {
    beast::error_code ec;
    stream.socket().close(ec);
    buffer.clear();
    stream.expires_after(std::chrono::seconds{30});
    stream.connect(at, ec);
    if (ec) {
      std::fprintf(stderr, "raw http: cannot connect to %s: %s\n", host.c_str(), ec.message().c_str());
      std::exit(1);
    }
    stream.socket().set_option(tcp::no_delay{true});
    open = true;
  }
};

raw_http::raw_http(const std::string& host, std::uint16_t port) : impl_(std::make_unique<impl>()) {
  impl_->host = host + ":" + std::to_string(port);
  impl_->at = tcp::endpoint{boost::asio::ip::make_address(host), port};
  impl_->connect();
}

raw_http::~raw_http() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

std::string raw_http::host_header() const {
  return impl_->host;
}

raw_http::answer raw_http::send(const std::string& method, const std::string& target, const header_list& headers,
                                const std::string& body) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, impl_->host);
  for (auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(true);
  beast::error_code ec;
  std::optional<bhttp::response_parser<bhttp::string_body>> parsed;
  for (int attempt = 0; attempt < 2; ++attempt) { // a kept-alive connection the server dropped: once more
    if (!impl_->open)
      impl_->connect();
    ec = {};
    auto& res = parsed.emplace();
    res.body_limit(std::uint64_t{256} << 20);
    impl_->stream.expires_after(std::chrono::seconds{60});
    bhttp::write(impl_->stream, req, ec);
    if (!ec)
      bhttp::read(impl_->stream, impl_->buffer, res, ec);
    impl_->open = !ec && res.get().keep_alive();
    if (!ec)
      break;
  }
  if (ec) {
    std::fprintf(stderr, "raw http: %s %s at %s failed: %s\n", method.c_str(), target.c_str(), impl_->host.c_str(),
                 ec.message().c_str());
    std::exit(1);
  }
  return answer{static_cast<int>(parsed->get().result_int()), std::move(parsed->get().body())};
}

std::string raw_http::json(const std::string& method, const std::string& target, const std::string& body) {
  auto a = send(method, target, {{"Content-Type", "application/json"}}, body);
  if (a.status != 200) {
    std::fprintf(stderr, "raw http: %s %s answered %d: %s\n", method.c_str(), target.c_str(), a.status,
                 a.body.substr(0, 300).c_str());
    std::exit(1);
  }
  return std::move(a.body);
}

} // namespace armada::bench
