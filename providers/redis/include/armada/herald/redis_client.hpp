#pragma once

// One hiredis connection (a redisContext) — shared by the redis provider and by other armada
// modules that keep state in Redis (ago's saga store). One hiredis connection with the provider's error texts, reconnect with
// jittered backoff, and pipelining. Not thread-safe: each user owns its client (the connection
// actor's publish client, one per subscription).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/herald/url.hpp"

struct redisContext;
struct redisReply;

namespace armada::herald::redis {

/// Where and how to connect (from the URL and its properties).
struct endpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;     ///< empty: AUTH with the password only (or no AUTH)
  std::string password; ///< never shown in errors
  std::int64_t db = 0;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds command_timeout{10000};

  /// "127.0.0.1:6379" (no credentials).
  std::string shown() const { return host + ":" + std::to_string(port); }
};

/// Parses `redis://[user:password@]host[:port][/db][?…]` into `parsed` (its text with the
/// password masked) and the endpoint (credentials, db; default timeouts). Errors name `who`,
/// the problem and the expected form, never the password.
caf::expected<endpoint> parse_endpoint(std::string_view text, url& parsed, std::string_view who);

struct reply_deleter {
  void operator()(redisReply* r) const;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

/// A command as its arguments (binary safe).
using command_args = std::vector<std::string>;

class redis_client {
public:
  explicit redis_client(endpoint ep);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// Connects now (drops any current connection). The error names the address and the fix.
  caf::error connect();

  /// Runs one command, connecting first if needed. `extra_wait` is added to the read timeout
  /// (for BLOCK). A lost connection is retried once on a fresh connection (so a restarted server
  /// is picked up by the next call); a redis error reply is returned as a reply, not an error.
  caf::expected<reply_ptr> command(const command_args& args,
                                   std::chrono::milliseconds extra_wait = std::chrono::milliseconds{0});

  /// `command` with arguments that point into strings the caller keeps (no copies: an XACK of a
  /// whole batch of stream ids).
  caf::expected<reply_ptr> command_views(const std::vector<std::string_view>& args,
                                         std::chrono::milliseconds extra_wait = std::chrono::milliseconds{0});

  /// Sends all commands in one write and reads all replies (one round trip). A lost connection
  /// is an error (nothing is retried: a prefix may have been applied).
  caf::expected<std::vector<reply_ptr>> pipeline(const std::vector<command_args>& cmds);

  /// Drops the connection; the next command reconnects.
  void disconnect();

  bool connected() const { return ctx_ != nullptr; }
  const endpoint& where() const { return ep_; }

private:
  caf::error ensure_connected();
  caf::error lost(const std::string& what);
  caf::expected<reply_ptr> run(const std::vector<std::string_view>& args, std::chrono::milliseconds extra_wait);
  void set_timeout(std::chrono::milliseconds t);

  endpoint ep_;
  redisContext* ctx_ = nullptr;
  std::chrono::milliseconds timeout_{-1};
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_failure_;
};

/// "ERR …" text of an error reply, empty when `r` is not an error.
std::string error_text(const redisReply* r);

/// The string value of a string / status reply (empty otherwise).
std::string text_of(const redisReply* r);

/// The same, viewed in the reply (valid while the reply lives): no copy.
std::string_view view_of(const redisReply* r);

} // namespace armada::herald::redis
