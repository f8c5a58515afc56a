#pragma once

// The broker of the embedded provider, on one LMDB file: an ordered log per topic, consumer
// groups that each read it from the start, leases for delivered messages (expiry + holder +
// attempt count), nack delays, retention. Every operation is one LMDB transaction, so several
// threads and several processes may share a file. Blocking; thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/herald/message.hpp"
#include "lmdb_env.hpp"
#include "records.hpp"

namespace armada::herald::embedded {

struct store_options {
  std::int64_t retention = 100000;          ///< acked messages kept per topic
  std::chrono::milliseconds retention_age{0}; ///< 0: no age limit
  std::chrono::milliseconds lease{30000};    ///< how long a delivered, unacked message stays taken
};

/// One consumer group of one topic, as stored in the file.
struct group_handle {
  std::string topic;
  std::string group;
  std::uint64_t topic_id = 0;
  std::uint64_t group_id = 0;
};

/// The message of log record `seq` of `g`'s topic (the stored envelope `bytes`), delivered for
/// the `attempt`th time. A record that does not decode comes out with its bytes as the payload
/// and metadata `embedded-decode-error`; never throws.
message to_message(const group_handle& g, std::uint64_t seq, std::string bytes, std::uint32_t attempt);

/// What a group could take now, read without taking the write lock.
struct group_outlook {
  bool ready = false;            ///< a message is waiting for the group now
  std::int64_t next_due_ms = -1; ///< wall-clock ms when a leased or nacked message falls due; -1: none
};

class embedded_store {
public:
  embedded_store(std::shared_ptr<lmdb_env> env, store_options opts)
    : env_(std::move(env)), opts_(opts) {}

  lmdb_env& env() const { return *env_; }
  const store_options& options() const { return opts_; }

  /// Appends `ms` in one write transaction (one flush under fsync=batch), trims each topic
  /// they touch, and returns their receipts in order. All or nothing.
  caf::expected<std::vector<publish_receipt>> publish(const std::vector<message>& ms);

  /// Creates `group` of `topic` where missing (a new group starts at the oldest message kept).
  caf::expected<group_handle> join(const std::string& topic, const std::string& group);

  /// Whether `g` has anything to take at wall-clock `now_ms` (a read transaction).
  caf::expected<group_outlook> outlook(const group_handle& g, std::int64_t now_ms);

  /// Takes up to `max` messages for `holder`: first those whose lease or nack delay ran out,
  /// then new ones in order; each is leased until now + lease. A record that does not decode
  /// comes out as a message with metadata `embedded-decode-error` and content type
  /// `application/x-armada-undecodable` (a typed subscriber dead-letters it).
  caf::expected<std::vector<message>> take(const group_handle& g, std::uint64_t holder, std::size_t max,
                                           std::int64_t now_ms);

  /// The group is done with these sequences.
  caf::error ack(const group_handle& g, const std::vector<std::uint64_t>& seqs);

  /// Visible to the group again at now + delay (if `holder` still holds it).
  caf::error nack(const group_handle& g, std::uint64_t holder, std::uint64_t seq, std::int64_t due_ms);

  /// Everything `holder` holds becomes visible to the group again now.
  caf::error release(const group_handle& g, std::uint64_t holder, std::int64_t now_ms);

  /// A read round trip through the file.
  caf::error touch();

private:
  caf::error trim(transaction& txn, const std::string& topic, topic_record& t);

  std::shared_ptr<lmdb_env> env_;
  store_options opts_;
};

/// Wall-clock milliseconds since the epoch (lease times are shared between processes).
std::int64_t wall_ms();

/// The sequence in a message's `broker` position ("topic:sequence"), or nothing.
std::optional<std::uint64_t> sequence_of(const message& m);

} // namespace armada::herald::embedded
