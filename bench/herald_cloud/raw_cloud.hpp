#pragma once

// The raw baselines of bench_herald_cloud: the same API calls as the herald providers make, sent
// with Boost.Beast on one kept-alive connection (AWS requests signed with SigV4): publish n
// messages of `size` bytes, then receive and delete (ack) them all, consume timed from the first
// receive call to the last delete. Exits on an error.

#include <cstddef>
#include <cstdint>
#include <string>

#include "raw_client.hpp"

namespace armada::bench {

/// An endpoint speaking the AWS APIs (moto_server), with test credentials.
struct aws_endpoint {
  std::string host{};
  std::uint16_t port = 0;
  std::string region{"us-east-1"};
};

/// SQS: CreateQueue `queue`; SendMessageBatch of 10; then ReceiveMessage (10 at a time) and
/// DeleteMessageBatch of what came.
figures raw_sqs(const aws_endpoint& at, const std::string& queue, std::size_t n, std::size_t size);

/// SNS: PublishBatch of 10 to topic `topic`, whose SQS queue `queue` (raw message delivery) is
/// already subscribed; then the queue read as raw_sqs does.
figures raw_sns(const aws_endpoint& at, const std::string& topic, const std::string& queue, std::size_t n,
                std::size_t size);

/// Pub/Sub: topic and subscription `name` created; `:publish` of 1000 messages a call; then
/// `:pull` (1000 at a time) and `:acknowledge` of what came.
figures raw_pubsub(const std::string& host, std::uint16_t port, const std::string& project, const std::string& name,
                   std::size_t n, std::size_t size);

/// Firestore: createDocument per message in `collection` (fields seq and the payload as bytes);
/// then `:runQuery` of the 100 oldest by seq and a delete per document.
figures raw_firestore(const std::string& host, std::uint16_t port, const std::string& project,
                      const std::string& collection, std::size_t n, std::size_t size);

} // namespace armada::bench
