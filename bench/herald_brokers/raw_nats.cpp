#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nats/nats.h>

#include "herald_run.hpp"
#include "raw_client.hpp"

namespace armada::bench {

namespace {

using clk = std::chrono::steady_clock;

void check(natsStatus s, const char* what) {
  if (s != NATS_OK) {
    std::fprintf(stderr, "raw nats: %s failed: %s (%s)\n", what, natsStatus_GetText(s), nats_GetLastError(nullptr));
    std::exit(1);
  }
}

natsConnection* connect(const std::string& url) {
  natsConnection* nc = nullptr;
  check(natsConnection_ConnectTo(&nc, url.c_str()), "connect");
  return nc;
}

/// Message i as herald sends it (and as the Kafka baseline does): the payload, the id and the
/// key (i % 16) as headers. Without them nats.c publishes 2-3x faster here: the cost of its
/// header encoding (a hash map per message), which every message herald sends carries.
natsMsg* numbered_msg(const std::string& subject, const std::string& payload, std::size_t i) {
  natsMsg* m = nullptr;
  check(natsMsg_Create(&m, subject.c_str(), nullptr, payload.data(), static_cast<int>(payload.size())), "message");
  check(natsMsgHeader_Set(m, "Nats-Msg-Id", std::to_string(i).c_str()), "id header");
  check(natsMsgHeader_Set(m, "Herald-Key", std::to_string(i % 16).c_str()), "key header");
  return m;
}

} // namespace

figures raw_nats(const std::string& url, const std::string& subject, std::size_t n, std::size_t size) {
  figures f;
  auto* nc = connect(url);
  // Core NATS keeps nothing: subscribe (a queue group, as herald's consumer groups) before
  // publishing; the messages wait in the subscription's local buffer until the consume phase.
  natsSubscription* sub = nullptr;
  check(natsConnection_QueueSubscribeSync(&sub, nc, subject.c_str(), "raw"), "subscribe");
  check(natsConnection_Flush(nc), "flush");
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto* m = numbered_msg(subject, payload, i);
    check(natsConnection_PublishMsg(nc, m), "publish");
    natsMsg_Destroy(m);
    if ((i + 1) % 1000 == 0 || i + 1 == n)
      check(natsConnection_Flush(nc), "flush"); // herald's publish completes on a flush
  }
  f.publish = rate(n, clk::now() - start);
  std::size_t got = 0;
  clk::time_point first{};
  while (got < n) {
    natsMsg* m = nullptr;
    auto s = natsSubscription_NextMsg(&m, sub, 5000);
    if (s == NATS_TIMEOUT)
      break; // lost (a slow consumer): the rate counts what arrived
    check(s, "next message");
    if (got++ == 0)
      first = clk::now();
    // Read what herald reads of every message: its id and key.
    const char* id = nullptr;
    const char* key = nullptr;
    check(natsMsgHeader_Get(m, "Nats-Msg-Id", &id), "id header");
    check(natsMsgHeader_Get(m, "Herald-Key", &key), "key header");
    natsMsg_Destroy(m);
  }
  f.consume = rate(got, clk::now() - first);
  if (got < n)
    std::fprintf(stderr, "raw nats: only %zu of %zu messages arrived\n", got, n);
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(nc);
  return f;
}

figures raw_jetstream(const std::string& url, const std::string& stream, const std::string& subject, std::size_t n,
                      std::size_t size) {
  figures f;
  auto* nc = connect(url);
  jsCtx* js = nullptr;
  check(natsConnection_JetStream(&js, nc, nullptr), "jetstream context");
  // A file stream, as herald's default storage.
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.c_str();
  const char* subjects[] = {subject.c_str()};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  jsErrCode jerr{};
  check(js_AddStream(nullptr, js, &cfg, nullptr, &jerr), "add stream");
  // Publish: asynchronous publishes, every PubAck awaited per 1000 (herald's publish_batch).
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto* m = numbered_msg(subject, payload, i);
    check(js_PublishMsgAsync(js, &m, nullptr), "publish"); // takes the message over
    if ((i + 1) % 1000 == 0 || i + 1 == n)
      check(js_PublishAsyncComplete(js, nullptr), "publish complete");
  }
  f.publish = rate(n, clk::now() - start);
  // Consume: a durable pull consumer (explicit ack), batches of up to 256, each message acked.
  natsSubscription* sub = nullptr;
  check(js_PullSubscribe(&sub, js, subject.c_str(), "raw", nullptr, nullptr, &jerr), "pull subscribe");
  std::size_t got = 0;
  clk::time_point first{};
  while (got < n) {
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = static_cast<int>(std::min<std::size_t>(256, n - got)); // exactly what is left: no wait at the end
    req.Expires = std::chrono::nanoseconds{std::chrono::seconds{5}}.count();
    natsMsgList list{nullptr, 0};
    auto s = natsSubscription_FetchRequest(&list, sub, &req);
    if (s == NATS_TIMEOUT)
      break;
    check(s, "fetch");
    if (got == 0)
      first = clk::now();
    for (int i = 0; i < list.Count; ++i)
      check(natsMsg_Ack(list.Msgs[i], nullptr), "ack");
    got += static_cast<std::size_t>(list.Count);
    natsMsgList_Destroy(&list);
  }
  f.consume = rate(got, clk::now() - first);
  if (got < n)
    std::fprintf(stderr, "raw jetstream: only %zu of %zu messages arrived\n", got, n);
  natsSubscription_Destroy(sub);
  js_DeleteStream(js, stream.c_str(), nullptr, nullptr);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return f;
}

} // namespace armada::bench
