#include "amqp_session.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include <amqp_tcp_socket.h>

#include "armada/herald/errc.hpp"

namespace armada::herald::amqp {

namespace {

using namespace std::chrono_literals;

constexpr auto backoff_min = 50ms;
constexpr auto backoff_max = 2000ms;

/// 0.5 … 1.5 times `d`, so many clients do not reconnect in lockstep.
std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
  thread_local std::minstd_rand gen{std::random_device{}()};
  std::uniform_real_distribution<double> factor{0.5, 1.5};
  return std::chrono::milliseconds{static_cast<std::int64_t>(static_cast<double>(d.count()) * factor(gen))};
}

/// "404 NOT_FOUND - no exchange 'x' in vhost '/'" from a server exception.
std::string server_text(const amqp_rpc_reply_t& r) {
  if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
    return std::to_string(m->reply_code) + " " + text_of(m->reply_text);
  }
  if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
    return std::to_string(m->reply_code) + " " + text_of(m->reply_text);
  }
  return "unexpected method " + std::to_string(r.reply.id);
}

} // namespace

amqp_session::amqp_session(endpoint ep) : ep_(std::move(ep)) {}

amqp_session::~amqp_session() {
  disconnect();
}

void amqp_session::disconnect() {
  if (conn_ == nullptr)
    return;
  // Best effort and bounded: a dead peer makes these fail at once or after the RPC timeout.
  auto tv = to_timeval(std::min(ep_.timeout, std::chrono::milliseconds{1000}));
  amqp_set_rpc_timeout(conn_, &tv);
  amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  declared_.clear();
}

caf::error amqp_session::lost(const std::string& what, int status) {
  disconnect();
  return make_error(errc::transport, "amqp provider: lost the connection to " + ep_.shown() + " during " + what + " ("
                                       + amqp_error_string2(status) + "); it reconnects on the next call");
}

caf::error amqp_session::check(const std::string& what) {
  auto r = amqp_get_rpc_reply(conn_);
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return caf::none;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return lost(what, r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION: {
      auto text = server_text(r);
      disconnect(); // a closed channel or connection: start over on the next call
      auto fix = text.rfind("404", 0) == 0 && !ep_.declare
                   ? "; declare it (rabbitmqadmin declare …) or set declare=true"
                   : text.rfind("406", 0) == 0 ? "; it exists with other settings: delete it or change 'prefix'" : "";
      return make_error(text.rfind("404", 0) == 0 ? errc::config : errc::transport,
                        "amqp provider: " + what + " on " + ep_.shown() + " failed: " + text + fix);
    }
    default:
      disconnect();
      return make_error(errc::transport, "amqp provider: " + what + " on " + ep_.shown() + " got no reply");
  }
}

caf::error amqp_session::connect() {
  disconnect();
  auto fail = [&](std::string why) {
    disconnect();
    last_failure_ = why;
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds{backoff_min}, std::chrono::milliseconds{backoff_max});
    next_attempt_ = std::chrono::steady_clock::now() + jittered(backoff_);
    return make_error(errc::transport, std::move(why));
  };
  conn_ = amqp_new_connection();
  auto* socket = amqp_tcp_socket_new(conn_);
  if (socket == nullptr)
    return fail("amqp provider: cannot make a socket for " + ep_.shown());
  auto tv = to_timeval(ep_.connect_timeout);
  if (auto st = amqp_socket_open_noblock(socket, ep_.host.c_str(), ep_.port, &tv); st != AMQP_STATUS_OK)
    return fail("amqp provider: cannot connect to " + ep_.shown() + " (" + amqp_error_string2(st)
                + "); is rabbitmq-server running? see scripts/servers (amqp)");
  amqp_set_handshake_timeout(conn_, &tv);
  auto rpc = to_timeval(ep_.timeout);
  amqp_set_rpc_timeout(conn_, &rpc);
  auto login = amqp_login(conn_, ep_.vhost.c_str(), 0, 131072, ep_.heartbeat, AMQP_SASL_METHOD_PLAIN,
                          ep_.user.c_str(), ep_.password.c_str());
  if (login.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION)
    return fail("amqp provider: " + ep_.shown() + " refused the login of user '" + ep_.user + "' to vhost '"
                + ep_.vhost + "' (" + server_text(login) + "); check the user, password and vhost in the URL");
  if (login.reply_type != AMQP_RESPONSE_NORMAL)
    return fail("amqp provider: the login to " + ep_.shown() + " failed ("
                + (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(login.library_error)
                                                                       : "no reply")
                + "); is it an AMQP 0-9-1 server? check the user, password and vhost in the URL");
  amqp_channel_open(conn_, channel);
  if (auto err = check("channel.open")) {
    last_failure_ = to_string(err);
    return err;
  }
  ++generation_;
  backoff_ = std::chrono::milliseconds{0};
  last_failure_.clear();
  return caf::none;
}

caf::error amqp_session::ensure(bool& fresh) {
  fresh = false;
  if (conn_ != nullptr)
    return caf::none;
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
    return make_error(errc::transport, last_failure_ + " (next attempt in " + std::to_string(left.count()) + " ms)");
  }
  if (auto err = connect())
    return err;
  fresh = true;
  return caf::none;
}

caf::error amqp_session::ensure_exchange(const std::string& exchange) {
  if (declared_.count(exchange) > 0)
    return caf::none;
  static const std::string fanout = "fanout";
  amqp_exchange_declare(conn_, channel, bytes_of(exchange), bytes_of(fanout), !ep_.declare, 1, 0, 0,
                        amqp_empty_table);
  if (auto err = check(std::string{ep_.declare ? "declaring" : "checking"} + " exchange '" + exchange + "'"))
    return err;
  declared_.insert(exchange);
  return caf::none;
}

caf::error amqp_session::ensure_topology(const std::string& topic, const std::string& group) {
  auto exchange = ep_.exchange(topic);
  if (auto err = ensure_exchange(exchange))
    return err;
  if (group.empty())
    return caf::none;
  auto queue = ep_.queue(topic, group);
  if (declared_.count(queue) > 0)
    return caf::none;
  static const std::string dlx_key = "x-dead-letter-exchange", dlx_routing_key = "x-dead-letter-routing-key";
  std::vector<amqp_table_entry_t> args;
  if (!ep_.dead_letter_exchange.empty()) {
    if (auto err = ensure_exchange(ep_.dead_letter_exchange))
      return err;
    args.push_back(string_entry(dlx_key, ep_.dead_letter_exchange));
    if (!ep_.dead_letter_routing_key.empty())
      args.push_back(string_entry(dlx_routing_key, ep_.dead_letter_routing_key));
  }
  amqp_table_t table{static_cast<int>(args.size()), args.data()};
  amqp_queue_declare(conn_, channel, bytes_of(queue), !ep_.declare, 1, 0, 0, table);
  if (auto err = check(std::string{ep_.declare ? "declaring" : "checking"} + " queue '" + queue + "'"))
    return err;
  static const std::string all;
  amqp_queue_bind(conn_, channel, bytes_of(queue), bytes_of(exchange), bytes_of(all), amqp_empty_table);
  if (auto err = check("binding queue '" + queue + "' to exchange '" + exchange + "'"))
    return err;
  declared_.insert(queue);
  return caf::none;
}

} // namespace armada::herald::amqp
