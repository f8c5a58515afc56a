#pragma once

// One AMQP connection with one channel (rabbitmq-c), the provider's error texts, reconnect with
// jittered backoff, and the topology (exchanges, queues) it declares. Not thread-safe: each
// user owns its session (the connection actor's publish session, one per subscription).

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <sys/time.h>

#include <amqp.h>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace armada::herald::amqp {

inline constexpr const char* provider_name = "amqp";

/// Where and how to connect, and how names are made (from the URL and its properties).
struct endpoint {
  std::string host;
  std::uint16_t port = 5672;
  std::string user = "guest";
  std::string password = "guest"; ///< never shown in errors
  std::string vhost = "/";
  std::string prefix = "herald.";
  bool declare = true;
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{5000};
  int heartbeat = 0;
  std::string dead_letter_exchange;    ///< x-dead-letter-exchange of every group queue; empty: none
  std::string dead_letter_routing_key; ///< x-dead-letter-routing-key; empty: the message's own

  /// "127.0.0.1:5672" (no credentials).
  std::string shown() const { return host + ":" + std::to_string(port); }
  /// The exchange of `topic`.
  std::string exchange(const std::string& topic) const { return prefix + topic; }
  /// The queue of `group` on `topic`.
  std::string queue(const std::string& topic, const std::string& group) const {
    return prefix + topic + ":" + group;
  }
};

/// `s` as AMQP bytes (borrowed).
inline amqp_bytes_t bytes_of(const std::string& s) {
  return amqp_bytes_t{s.size(), const_cast<char*>(s.data())};
}

/// A table entry `key` = `value` as a long string (binary safe); both borrowed.
inline amqp_table_entry_t string_entry(const std::string& key, const std::string& value) {
  amqp_table_entry_t e{};
  e.key = bytes_of(key);
  e.value.kind = AMQP_FIELD_KIND_UTF8;
  e.value.value.bytes = bytes_of(value);
  return e;
}

/// `t` as a timeval (rabbitmq-c's timeouts).
inline timeval to_timeval(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(t.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((t.count() % 1000) * 1000);
  return tv;
}

/// AMQP bytes as a string.
inline std::string text_of(amqp_bytes_t b) {
  return b.bytes == nullptr ? std::string{} : std::string{static_cast<const char*>(b.bytes), b.len};
}

class amqp_session {
public:
  static constexpr amqp_channel_t channel = 1;

  explicit amqp_session(endpoint ep);
  ~amqp_session();
  amqp_session(const amqp_session&) = delete;
  amqp_session& operator=(const amqp_session&) = delete;

  /// Connects now (drops any current connection): TCP, login, channel 1. The error names the
  /// address and the fix.
  caf::error connect();

  /// Connects when not connected; while a previous attempt's backoff runs, fails fast with its
  /// reason. True in `fresh` when this call made a new connection.
  caf::error ensure(bool& fresh);

  /// Drops the connection (the broker requeues what it delivered and was not acked).
  void disconnect();

  bool connected() const { return conn_ != nullptr; }
  amqp_connection_state_t state() const { return conn_; }
  /// Counts connections: delivery tags of an older one mean nothing on this one.
  std::uint64_t generation() const { return generation_; }
  const endpoint& where() const { return ep_; }

  /// The reply of the last RPC: none, or an error naming `what` (the connection is dropped on
  /// any failure; the next call reconnects).
  caf::error check(const std::string& what);

  /// An error for a failed library call (status < 0), dropping the connection.
  caf::error lost(const std::string& what, int status);

  /// Declares (or, with declare=false, checks) the durable fanout exchange of `topic` and, when
  /// `group` is not empty, its durable queue bound to it (with the endpoint's dead-letter
  /// exchange, itself declared as a durable fanout exchange if missing). Remembered until the
  /// next reconnect.
  caf::error ensure_topology(const std::string& topic, const std::string& group);

private:
  /// Declares (or checks) the durable fanout exchange `exchange` once per connection.
  caf::error ensure_exchange(const std::string& exchange);

  endpoint ep_;
  amqp_connection_state_t conn_ = nullptr;
  std::uint64_t generation_ = 0;
  std::set<std::string> declared_; // exchanges and queues of this connection
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_failure_;
};

} // namespace armada::herald::amqp
