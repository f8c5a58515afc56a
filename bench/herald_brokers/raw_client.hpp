#pragma once

// The raw client baselines of bench_herald_brokers: the same work as the herald run (publish n
// messages of `size` bytes acknowledged by the broker, then consume and ack them all) with the
// client library alone.

#include <cstddef>
#include <string>

namespace armada::bench {

/// Messages per second of each phase (consume is timed from the first message received, so a
/// consumer group's join delay does not count).
struct figures {
  double publish = 0;
  double consume = 0;
};

/// librdkafka: idempotent producer (acks=all) with herald's defaults (murmur2, linger 0, one
/// request in flight), a flush per 1000 (every delivery report awaited, as herald's batches);
/// then a consumer of a new group storing each offset.
figures raw_kafka(const std::string& bootstrap, const std::string& topic, std::size_t n, std::size_t size);

/// rabbitmq-c: persistent mandatory publishes on a confirm channel, confirms awaited per 1000;
/// then basic.consume with basic.qos 1024 and a basic.ack per message.
figures raw_amqp(const std::string& host, int port, const std::string& queue, std::size_t n, std::size_t size);

/// hiredis: XADD (MAXLEN ~ 1000000, herald's default) pipelined 1000 per round trip; then a new
/// group reading with XREADGROUP COUNT 1024 and one XACK per batch.
figures raw_redis(const std::string& host, int port, const std::string& stream, std::size_t n, std::size_t size);

/// nats.c, core NATS: a queue subscription made first (nothing is stored), then publishes with a
/// flush per 1000; then the messages are read from the subscription's local buffer. Messages
/// carry herald's id and key headers, as every message herald sends does (and as the Kafka
/// baseline's do), and the consumer reads both.
figures raw_nats(const std::string& url, const std::string& subject, std::size_t n, std::size_t size);

/// nats.c JetStream: a file stream, asynchronous publishes (with the id and key headers; the id
/// is JetStream's de-duplication id, as herald's) with every PubAck awaited per 1000;
/// then a durable pull consumer fetching up to 256 at a time and acking each message.
figures raw_jetstream(const std::string& url, const std::string& stream, const std::string& subject, std::size_t n,
                      std::size_t size);

} // namespace armada::bench
