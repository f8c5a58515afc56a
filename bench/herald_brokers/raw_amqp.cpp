#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include "raw_client.hpp"

namespace armada::bench {

namespace {

using clk = std::chrono::steady_clock;

double rate(std::size_t n, clk::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

void check(amqp_connection_state_t c, const char* what) {
  auto r = amqp_get_rpc_reply(c);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    std::fprintf(stderr, "raw amqp: %s failed\n", what);
    std::exit(1);
  }
}

amqp_bytes_t bytes(const std::string& s) {
  return amqp_bytes_t{s.size(), const_cast<char*>(s.data())};
}

} // namespace

figures raw_amqp(const std::string& host, int port, const std::string& queue, std::size_t n, std::size_t size) {
  figures f;
  auto conn = amqp_new_connection();
  auto* sock = amqp_tcp_socket_new(conn);
  if (amqp_socket_open(sock, host.c_str(), port) != AMQP_STATUS_OK) {
    std::fprintf(stderr, "raw amqp: cannot connect to %s:%d\n", host.c_str(), port);
    std::exit(1);
  }
  if (amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type != AMQP_RESPONSE_NORMAL) {
    std::fprintf(stderr, "raw amqp: login failed\n");
    std::exit(1);
  }
  amqp_channel_open(conn, 1);
  check(conn, "channel.open");
  amqp_queue_declare(conn, 1, bytes(queue), 0, 1, 0, 0, amqp_empty_table);
  check(conn, "queue.declare");
  amqp_confirm_select(conn, 1);
  check(conn, "confirm.select");
  std::string payload(size, 'x');
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
  props.delivery_mode = 2;
  auto start = clk::now();
  std::uint64_t tag = 0;
  for (std::size_t i = 0; i < n;) {
    std::uint64_t batch_end = tag;
    for (std::size_t j = 0; j < 1000 && i < n; ++j, ++i) {
      auto id = std::to_string(i);
      props.message_id = bytes(id);
      if (amqp_basic_publish(conn, 1, amqp_empty_bytes, bytes(queue), 1, 0, &props, bytes(payload)) != AMQP_STATUS_OK) {
        std::fprintf(stderr, "raw amqp: publish failed\n");
        std::exit(1);
      }
      batch_end = ++tag;
    }
    std::uint64_t confirmed = 0;
    while (confirmed < batch_end) {
      amqp_frame_t frame;
      if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) {
        std::fprintf(stderr, "raw amqp: lost the connection waiting for confirms\n");
        std::exit(1);
      }
      if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        auto* a = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        confirmed = std::max(confirmed, a->delivery_tag);
      }
    }
  }
  f.publish = rate(n, clk::now() - start);
  amqp_basic_qos(conn, 1, 0, 1024, 0);
  check(conn, "basic.qos");
  amqp_basic_consume(conn, 1, bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  check(conn, "basic.consume");
  std::size_t got = 0;
  clk::time_point first{};
  while (got < n) {
    amqp_maybe_release_buffers(conn);
    amqp_envelope_t env;
    timeval tv{10, 0};
    auto r = amqp_consume_message(conn, &env, &tv, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
      std::fprintf(stderr, "raw amqp: consume failed after %zu messages\n", got);
      std::exit(1);
    }
    if (got++ == 0)
      first = clk::now();
    amqp_basic_ack(conn, 1, env.delivery_tag, 0);
    amqp_destroy_envelope(&env);
  }
  f.consume = rate(got, clk::now() - first);
  amqp_queue_delete(conn, 1, bytes(queue), 0, 0);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  return f;
}

} // namespace armada::bench
