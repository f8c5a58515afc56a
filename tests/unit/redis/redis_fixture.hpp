#pragma once

// Helpers of the redis tests: raw hiredis commands (to play a foreign producer or a consumer
// that dies), a free port, a redis-server of the test's own, and waiting with a deadline.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>

#include "armada/herald/url.hpp"
#include "armada/testing/wait.hpp"

extern char** environ;

namespace armada::testing_redis {

using namespace std::chrono_literals;

/// Polls a condition with a deadline (see armada/testing/wait.hpp).
using armada::testing::wait_until;

/// A port nothing listens on (bound once by the kernel's choice, then released).
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct reply_free {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply = std::unique_ptr<redisReply, reply_free>;

/// A raw hiredis connection to the server of `redis_url`.
class raw_redis {
public:
  explicit raw_redis(const std::string& redis_url) {
    auto u = herald::url::parse(redis_url);
    if (u)
      ctx_ = redisConnect(u->host.c_str(), u->port);
  }
  ~raw_redis() {
    if (ctx_ != nullptr)
      redisFree(ctx_);
  }
  raw_redis(const raw_redis&) = delete;
  raw_redis& operator=(const raw_redis&) = delete;

  bool ok() const { return ctx_ != nullptr && ctx_->err == 0; }

  reply command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    return reply{static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()))};
  }

private:
  redisContext* ctx_ = nullptr;
};

/// A redis-server of the test's own on 127.0.0.1:`port`, data in `dir` (append only, fsync on
/// every write, so an acknowledged XADD survives kill -9). Stopped by its own PID.
class own_redis_server {
public:
  own_redis_server(std::uint16_t port, std::filesystem::path dir) : port_(port), dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
  }
  ~own_redis_server() { kill(); }

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  /// Starts the server and waits until it answers PING.
  bool start() {
    std::vector<std::string> argv{"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port_),
                                  "--dir", dir_.string(), "--appendonly", "yes", "--appendfsync", "always",
                                  "--save", "", "--logfile", (dir_ / "redis.log").string()};
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, args.data(), environ) != 0) {
      pid_ = -1;
      return false;
    }
    return wait_until([&] {
      raw_redis r{url()};
      if (!r.ok())
        return false;
      auto p = r.command({"PING"});
      return p && p->type == REDIS_REPLY_STATUS;
    });
  }

  /// kill -9 and reap.
  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

private:
  std::uint16_t port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

} // namespace armada::testing_redis
