#include "armada/herald/redis_client.hpp"

#include <algorithm>
#include <cctype>
#include <random>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "armada/herald/errc.hpp"

namespace armada::herald::redis {

namespace {

using namespace std::chrono_literals;

constexpr auto backoff_min = 50ms;
constexpr auto backoff_max = 2000ms;

timeval to_timeval(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(t.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((t.count() % 1000) * 1000);
  return tv;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// 0.5 … 1.5 times `d`, so many clients do not reconnect in lockstep.
std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
  thread_local std::minstd_rand gen{std::random_device{}()};
  std::uniform_real_distribution<double> factor{0.5, 1.5};
  return std::chrono::milliseconds{static_cast<std::int64_t>(static_cast<double>(d.count()) * factor(gen))};
}

std::vector<std::string_view> views_of(const command_args& args) {
  return {args.begin(), args.end()};
}

/// The reply, or null when the connection failed (ctx->errstr says why).
reply_ptr run_on(redisContext* ctx, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return reply_ptr{static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(args.size()), argv.data(), lens.data()))};
}

} // namespace

void reply_deleter::operator()(redisReply* r) const {
  freeReplyObject(r);
}

std::string error_text(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ERROR)
    return {};
  return std::string{r->str, r->len};
}

std::string text_of(const redisReply* r) {
  return std::string{view_of(r)};
}

std::string_view view_of(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS))
    return {};
  return {r->str, r->len};
}

redis_client::redis_client(endpoint ep) : ep_(std::move(ep)) {}

redis_client::~redis_client() {
  disconnect();
}

void redis_client::disconnect() {
  if (ctx_ != nullptr)
    redisFree(ctx_);
  ctx_ = nullptr;
  timeout_ = std::chrono::milliseconds{-1};
}

void redis_client::set_timeout(std::chrono::milliseconds t) {
  if (t != timeout_ && redisSetTimeout(ctx_, to_timeval(t)) == REDIS_OK)
    timeout_ = t;
}

caf::error redis_client::connect() {
  disconnect();
  auto fail = [&](std::string why) {
    disconnect();
    last_failure_ = why;
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds{backoff_min}, std::chrono::milliseconds{backoff_max});
    next_attempt_ = std::chrono::steady_clock::now() + jittered(backoff_);
    return make_error(errc::transport, std::move(why));
  };
  ctx_ = redisConnectWithTimeout(ep_.host.c_str(), ep_.port, to_timeval(ep_.connect_timeout));
  if (ctx_ == nullptr)
    return fail("redis provider: cannot connect to " + ep_.shown() + " (out of memory)");
  if (ctx_->err != 0)
    return fail("redis provider: cannot connect to " + ep_.shown() + " (" + lower(ctx_->errstr)
                + "); is redis-server running? see scripts/servers");
  redisEnableKeepAlive(ctx_);
  set_timeout(ep_.command_timeout);
  auto handshake = [&](const command_args& args, const std::string& what) -> std::string {
    auto r = run_on(ctx_, views_of(args));
    if (!r)
      return "redis provider: lost the connection to " + ep_.shown() + " during " + what + " ("
             + lower(ctx_->errstr) + ")";
    if (auto e = error_text(r.get()); !e.empty())
      return "redis provider: " + what + " on " + ep_.shown() + " failed: " + e;
    return {};
  };
  if (!ep_.password.empty()) {
    auto args = ep_.user.empty() ? command_args{"AUTH", ep_.password} : command_args{"AUTH", ep_.user, ep_.password};
    if (auto why = handshake(args, "AUTH"); !why.empty())
      return fail(why + "; check the user and password in the URL");
  }
  if (ep_.db != 0)
    if (auto why = handshake({"SELECT", std::to_string(ep_.db)}, "SELECT " + std::to_string(ep_.db)); !why.empty())
      return fail(why + "; check the database number in the URL path");
  backoff_ = std::chrono::milliseconds{0};
  last_failure_.clear();
  return caf::none;
}

caf::error redis_client::ensure_connected() {
  if (ctx_ != nullptr)
    return caf::none;
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
    return make_error(errc::transport, last_failure_ + " (next attempt in " + std::to_string(left.count()) + " ms)");
  }
  return connect();
}

caf::error redis_client::lost(const std::string& what) {
  std::string why = ctx_ != nullptr ? lower(ctx_->errstr) : "not connected";
  disconnect();
  return make_error(errc::transport, "redis provider: lost the connection to " + ep_.shown() + " during " + what
                                       + " (" + why + "); it reconnects on the next call");
}

caf::expected<reply_ptr> redis_client::run(const std::vector<std::string_view>& args,
                                           std::chrono::milliseconds extra_wait) {
  if (auto err = ensure_connected())
    return err;
  set_timeout(ep_.command_timeout + extra_wait);
  auto r = run_on(ctx_, args);
  if (!r)
    return lost(args.empty() ? std::string{"a command"} : std::string{args.front()});
  return caf::expected<reply_ptr>{std::move(r)};
}

caf::expected<reply_ptr> redis_client::command(const command_args& args, std::chrono::milliseconds extra_wait) {
  return command_views(views_of(args), extra_wait);
}

caf::expected<reply_ptr> redis_client::command_views(const std::vector<std::string_view>& args,
                                                     std::chrono::milliseconds extra_wait) {
  bool was_connected = ctx_ != nullptr;
  auto r = run(args, extra_wait);
  if (r || !was_connected)
    return r;
  // The connection died since its last use (a restarted server, an idle timeout): one more
  // try on a fresh connection.
  if (auto err = connect())
    return err;
  return run(args, extra_wait);
}

caf::expected<std::vector<reply_ptr>> redis_client::pipeline(const std::vector<command_args>& cmds) {
  if (auto err = ensure_connected())
    return err;
  set_timeout(ep_.command_timeout);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (auto& args : cmds) {
    argv.clear();
    lens.clear();
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()) != REDIS_OK)
      return lost("a pipelined " + args.front());
  }
  std::vector<reply_ptr> replies;
  replies.reserve(cmds.size());
  for (auto& args : cmds) {
    void* r = nullptr;
    if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr)
      return lost("a pipelined " + args.front());
    replies.emplace_back(static_cast<redisReply*>(r));
  }
  return replies;
}

} // namespace armada::herald::redis
