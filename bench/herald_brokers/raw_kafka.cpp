#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <librdkafka/rdkafka.h>

#include "raw_client.hpp"

namespace armada::bench {

namespace {

using clk = std::chrono::steady_clock;

void set(rd_kafka_conf_t* c, const char* name, const char* value) {
  char err[512];
  if (rd_kafka_conf_set(c, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "raw kafka: %s\n", err);
    std::exit(1);
  }
}

/// Counts delivery reports (the producer's opaque is the counter).
void on_delivery(rd_kafka_t*, const rd_kafka_message_t*, void* opaque) {
  ++*static_cast<std::size_t*>(opaque);
}

double rate(std::size_t n, clk::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

} // namespace

figures raw_kafka(const std::string& bootstrap, const std::string& topic, std::size_t n, std::size_t size) {
  figures f;
  char err[512];
  auto* pc = rd_kafka_conf_new();
  set(pc, "bootstrap.servers", bootstrap.c_str());
  set(pc, "enable.idempotence", "true");
  set(pc, "linger.ms", "0");
  set(pc, "partitioner", "murmur2");                           // herald's default
  set(pc, "max.in.flight.requests.per.connection", "1");       // herald's default (max-in-flight)
  set(pc, "log_level", "2");
  std::size_t reported = 0;
  rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
  rd_kafka_conf_set_opaque(pc, &reported);
  auto* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto id = std::to_string(i);
    auto key = std::to_string(i % 16); // as the herald run: spread over the partitions
    for (;;) {
      auto e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                                 RD_KAFKA_V_HEADER("message-id", id.data(), static_cast<ssize_t>(id.size())),
                                 RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "raw kafka: produce failed: %s\n", rd_kafka_err2str(e));
        std::exit(1);
      }
      rd_kafka_poll(producer, 10);
    }
    rd_kafka_poll(producer, 0);
    // Every delivery report of a batch awaited, as herald's publish_batch (and the other
    // baselines). Polled: rd_kafka_flush sleeps in steps and ran at ~90 k msgs/s here.
    if ((i + 1) % 1000 == 0)
      while (reported < i + 1)
        rd_kafka_poll(producer, 1);
  }
  rd_kafka_flush(producer, 60000);
  f.publish = rate(n, clk::now() - start);
  rd_kafka_destroy(producer);

  auto* cc = rd_kafka_conf_new();
  set(cc, "bootstrap.servers", bootstrap.c_str());
  set(cc, "group.id", ("raw-" + topic).c_str());
  set(cc, "auto.offset.reset", "earliest");
  set(cc, "enable.auto.offset.store", "false");
  set(cc, "log_level", "2");
  auto* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
  rd_kafka_poll_set_consumer(consumer);
  auto* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  std::size_t got = 0;
  clk::time_point first{};
  auto deadline = clk::now() + std::chrono::minutes{5};
  while (got < n && clk::now() < deadline) {
    auto* m = rd_kafka_consumer_poll(consumer, 100);
    if (m == nullptr)
      continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (got++ == 0)
        first = clk::now();
      // Read what herald reads of every message: its id (a header; librdkafka parses the
      // headers on first access) and key.
      rd_kafka_headers_t* hdrs = nullptr;
      const void* id = nullptr;
      std::size_t id_size = 0;
      if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR
          || rd_kafka_header_get_last(hdrs, "message-id", &id, &id_size) != RD_KAFKA_RESP_ERR_NO_ERROR
          || m->key == nullptr) {
        std::fprintf(stderr, "raw kafka: message at offset %lld has no id header or no key\n",
                     static_cast<long long>(m->offset));
        std::exit(1);
      }
      // The same work as herald's ack: store where consumption resumes (committed by librdkafka).
      auto* done = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(done, topic.c_str(), m->partition)->offset = m->offset + 1;
      rd_kafka_offsets_store(consumer, done);
      rd_kafka_topic_partition_list_destroy(done);
    }
    rd_kafka_message_destroy(m);
  }
  f.consume = rate(got, clk::now() - first);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return f;
}

} // namespace armada::bench
