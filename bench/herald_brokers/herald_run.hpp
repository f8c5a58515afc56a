#pragma once

// The herald side of the provider benchmarks (bench_herald_brokers, bench_herald_cloud): publish
// n messages through a connection, then consume and ack them all, and print a row with the ratio
// to the raw baseline.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "../support/proc_status.hpp"

#include "armada/herald.hpp"
#include "raw_client.hpp"

namespace armada::bench {

/// Messages per second of `n` messages in `d`.
double rate(std::size_t n, std::chrono::steady_clock::duration d);

/// The message sizes of a comma-separated list ("16,64,256").
std::vector<std::size_t> size_list(const std::string& list);

/// How consume is timed: from the first message handled (a Kafka group's join delay does not
/// count), or from the subscribe call until the subscription closed after the last message (the
/// first fetch and the acks count, as in a raw polling loop).
enum class consume_clock { from_first_message, subscribe_to_close };

/// Publishes n messages of `size` bytes to `topic` in publish_batch calls of `batch` (each
/// returns when the broker acknowledged all of it), then consumes them with group `bench`
/// (prefetch 1024) and acks each. Exits on a publish or subscribe error; a consume that stalls
/// for `stall` reports what arrived.
figures run_herald(herald::connection& conn, const std::string& topic, std::size_t n, std::size_t size,
                   std::size_t batch = 1000, consume_clock timing = consume_clock::from_first_message,
                   std::chrono::seconds stall = std::chrono::minutes{2});

/// For a broker that stores nothing (core NATS): subscribes first, with a handler held until
/// all n messages are published (they wait in the subscription), then times the consume from
/// the moment the handler is released to the last message.
figures run_herald_subscribed_first(herald::connection& conn, const std::string& topic, std::size_t n,
                                    std::size_t size, std::chrono::seconds stall = std::chrono::minutes{2});

/// Prints `name size publish/s consume/s pub-ratio sub-ratio` (ratio 1.00 without `raw`).
void row(const char* name, std::size_t size, const figures& f, const figures* raw);

/// Rounds of the raw client and herald run one after the other (raw[i] and herald[i] are round
/// i): prints each one's medians, and the median of the per-round ratios with their range (this
/// machine drifts by 2x within minutes: one raw figure against one herald figure taken a minute
/// apart says little).
void median_rows(const char* raw_name, const char* herald_name, std::size_t size, const std::vector<figures>& raw,
                 const std::vector<figures>& herald);

} // namespace armada::bench
