#include "armada/herald/http_client.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"

namespace armada::herald::http {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::uint64_t body_limit = std::uint64_t{256} << 20;

std::string why(const beast::error_code& ec) {
  if (ec == beast::error::timeout)
    return "timed out";
  auto text = ec.message();
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

/// Errors that mean a kept-alive connection was closed by the server meanwhile.
bool stale_connection(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset
         || ec == net::error::broken_pipe || ec == net::error::connection_aborted;
}

void run(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

} // namespace

std::string response::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (beast::iequals(k, beast::string_view{name.data(), name.size()}))
      return v;
  return {};
}

bool default_retryable(const response& r) {
  return r.status >= 500 || r.status == 429;
}

struct client::impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool open = false;
  std::mt19937 rng{std::random_device{}()};

  void shut() {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    buffer.clear();
    open = false;
  }
};

client::client(client_options opts) : impl_(std::make_unique<impl>()), opts_(std::move(opts)) {}

client::~client() {
  close();
}

std::string client::host_header() const {
  return opts_.host + ":" + std::to_string(opts_.port);
}

std::string client::endpoint() const {
  return host_header();
}

void client::close() {
  if (impl_->open)
    impl_->shut();
}

caf::expected<response> client::send(const request& r) {
  auto& m = *impl_;
  auto fail = [&](errc code, const std::string& what, const beast::error_code& ec) -> caf::error {
    m.shut();
    auto text = opts_.who + ": " + what + " " + endpoint() + " (" + why(ec) + ")";
    if (!opts_.hint.empty())
      text += "; " + opts_.hint;
    return make_error(ec == beast::error::timeout ? errc::timeout : code, std::move(text));
  };
  auto verb = bhttp::string_to_verb(r.method);
  if (verb == bhttp::verb::unknown)
    return make_error(errc::config, opts_.who + ": unknown HTTP method '" + r.method + "'");
  for (int round = 0; round < 2; ++round) {
    bool reused = m.open;
    beast::error_code ec;
    if (!m.open) {
      std::vector<tcp::endpoint> eps;
      auto addr = net::ip::make_address(opts_.host, ec);
      if (!ec) {
        eps.emplace_back(addr, opts_.port);
      } else {
        ec = {};
        tcp::resolver resolver{m.ioc};
        auto found = resolver.resolve(opts_.host, std::to_string(opts_.port), ec);
        if (ec)
          return fail(errc::transport, "cannot resolve", ec);
        for (auto& e : found)
          eps.push_back(e.endpoint());
      }
      m.stream.expires_after(opts_.connect_timeout);
      m.stream.async_connect(eps, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
      run(m.ioc);
      if (ec)
        return fail(errc::transport, "cannot connect to", ec);
      m.open = true;
    }
    bhttp::request<bhttp::string_body> req{verb, r.target, 11};
    req.set(bhttp::field::host, host_header());
    for (auto& [k, v] : r.headers)
      req.set(beast::string_view{k.data(), k.size()}, beast::string_view{v.data(), v.size()});
    req.body() = r.body;
    req.keep_alive(true);
    req.prepare_payload();
    m.stream.expires_after(r.timeout.count() > 0 ? r.timeout : opts_.request_timeout);
    bhttp::async_write(m.stream, req, [&](const beast::error_code& e, std::size_t) { ec = e; });
    run(m.ioc);
    if (ec && reused && stale_connection(ec)) {
      m.shut();
      continue; // the server closed the idle connection: once more on a fresh one
    }
    if (ec)
      return fail(errc::transport, "cannot send a request to", ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(body_limit);
    bhttp::async_read(m.stream, m.buffer, parser, [&](const beast::error_code& e, std::size_t) { ec = e; });
    run(m.ioc);
    if (ec && reused && stale_connection(ec)) {
      m.shut();
      continue;
    }
    if (ec)
      return fail(errc::transport, "no answer from", ec);
    auto& msg = parser.get();
    response out;
    out.status = static_cast<int>(msg.result_int());
    for (auto& f : msg)
      out.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
    out.body = std::move(msg.body());
    if (!msg.keep_alive())
      m.shut();
    return out;
  }
  return make_error(errc::transport, opts_.who + ": " + endpoint() + " keeps closing the connection");
}

caf::expected<response> client::call(request r, const retry_predicate& retryable,
                                     const std::function<void(request&)>& prepare) {
  auto attempts = std::max(1, opts_.max_attempts);
  auto delay = opts_.backoff_base;
  for (int attempt = 1;; ++attempt) {
    request copy = r;
    if (prepare)
      prepare(copy);
    auto res = send(copy);
    bool again = !res || (retryable && retryable(*res));
    if (!again || attempt >= attempts) {
      if (!res && attempt > 1)
        return make_error(code_of(res.error()), describe(res.error()) + " (after " + std::to_string(attempt) + " attempts)");
      return res;
    }
    std::uniform_real_distribution<double> jitter{0.5, 1.5};
    auto wait = std::chrono::milliseconds{static_cast<std::int64_t>(delay.count() * jitter(impl_->rng))};
    std::this_thread::sleep_for(wait);
    delay = std::min(opts_.backoff_max, delay * 2);
  }
}

} // namespace armada::herald::http
