#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "herald_run.hpp"
#include "raw_client.hpp"

namespace armada::bench {

namespace {

using clk = std::chrono::steady_clock;

[[noreturn]] void fail(const char* what, const redisContext* c, const redisReply* r) {
  std::fprintf(stderr, "raw redis: %s failed: %s\n", what,
               r != nullptr && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
  std::exit(1);
}

redisReply* reply_of(redisContext* c, const char* what) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK || r == nullptr)
    fail(what, c, nullptr);
  auto* reply = static_cast<redisReply*>(r);
  if (reply->type == REDIS_REPLY_ERROR)
    fail(what, c, reply);
  return reply;
}

} // namespace

figures raw_redis(const std::string& host, int port, const std::string& stream, std::size_t n, std::size_t size) {
  figures f;
  auto* c = redisConnect(host.c_str(), port);
  if (c == nullptr || c->err != 0) {
    std::fprintf(stderr, "raw redis: cannot connect to %s:%d\n", host.c_str(), port);
    std::exit(1);
  }
  std::string payload(size, 'x');
  // Publish: XADD with herald's default trimming (MAXLEN ~ 1000000), pipelined 1000 per round
  // trip as herald's publish_batch does, each reply checked.
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    std::size_t batch = 0;
    for (; batch < 1000 && i < n; ++batch, ++i)
      redisAppendCommand(c, "XADD %s MAXLEN ~ 1000000 * e %b", stream.c_str(), payload.data(), payload.size());
    for (std::size_t j = 0; j < batch; ++j)
      freeReplyObject(reply_of(c, "XADD"));
  }
  f.publish = rate(n, clk::now() - start);

  // Consume: a new group from the start, XREADGROUP COUNT 1024, one XACK of the whole batch.
  freeReplyObject(redisCommand(c, "XGROUP CREATE %s raw 0 MKSTREAM", stream.c_str()));
  std::size_t got = 0;
  clk::time_point first{};
  auto deadline = clk::now() + std::chrono::minutes{2};
  std::vector<std::string> ids;
  while (got < n && clk::now() < deadline) {
    auto* r = static_cast<redisReply*>(
      redisCommand(c, "XREADGROUP GROUP raw c1 COUNT 1024 BLOCK 100 STREAMS %s >", stream.c_str()));
    if (r == nullptr || r->type == REDIS_REPLY_ERROR)
      fail("XREADGROUP", c, r);
    ids.clear();
    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
      auto* entries = r->element[0]->element[1];
      for (std::size_t i = 0; i < entries->elements; ++i) {
        auto* entry = entries->element[i];
        auto* fields = entry->element[1];
        if (fields->elements < 2 || fields->element[1]->len != size)
          fail("reading an entry", c, nullptr);
        ids.emplace_back(entry->element[0]->str, entry->element[0]->len);
      }
    }
    freeReplyObject(r);
    if (ids.empty())
      continue;
    if (got == 0)
      first = clk::now();
    got += ids.size();
    std::vector<const char*> argv{"XACK", stream.c_str(), "raw"};
    std::vector<std::size_t> lens{4, stream.size(), 3};
    for (auto& id : ids) {
      argv.push_back(id.data());
      lens.push_back(id.size());
    }
    auto* ack = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (ack == nullptr || ack->type == REDIS_REPLY_ERROR)
      fail("XACK", c, ack);
    freeReplyObject(ack);
  }
  f.consume = rate(got, clk::now() - first);
  freeReplyObject(redisCommand(c, "DEL %s", stream.c_str()));
  redisFree(c);
  return f;
}

} // namespace armada::bench
