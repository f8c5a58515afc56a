#pragma once

// One subscription of the kafka provider: one consumer (its own rd_kafka_t) of a consumer group.
// Used by its subscription actor's thread; close may come from any thread.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "armada/herald/driver.hpp"
#include "armada/herald/errc.hpp"
#include "kafka_settings.hpp"
#include "offset_tracker.hpp"

namespace armada::herald::kafka {

class kafka_subscription final : public subscription_driver {
public:
  kafka_subscription(const settings& s, std::string topic, std::string group);
  ~kafka_subscription() override;

  /// Creates the consumer and subscribes (the group join completes in the background).
  caf::error start(conf_ptr conf);

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  caf::error ack(const message& m) override;
  caf::error ack_batch(const std::vector<message>& ms) override;
  caf::error nack(const message& m, std::chrono::milliseconds delay) override;
  void close() override;

  /// Called by librdkafka (inside poll / close, on the thread that holds `mtx_`).
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);

  /// Called by librdkafka (inside poll): a client-level error (all brokers down, …).
  void client_error(rd_kafka_resp_err_t err, const char* reason);

private:
  using clock = std::chrono::steady_clock;

  caf::error closed_error() const;
  /// Why `m` cannot be acked / nacked (closed, or not a delivered message), or none.
  caf::error check_settle(const message& m, errc code, const char* verb) const;
  /// Where consumption of a partition resumes.
  struct stored_offset {
    std::int32_t partition;
    std::int64_t offset;
  };

  /// Marks `m` done; returns the partition's committable offset when it moved forward.
  std::optional<stored_offset> settle(const message& m);
  /// Stores `offsets` (one per partition) for librdkafka's next commit, in one call.
  void store(const std::vector<stored_offset>& offsets);

  std::string bootstrap_;
  std::string topic_;
  std::string group_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;          ///< the consumer queue (messages and callbacks)
  std::vector<rd_kafka_message_t*> records_;  ///< fetch's buffer, kept to reuse
  std::mutex mtx_;
  std::atomic<bool> closed_{false};
  offset_tracker tracker_;
  std::multimap<clock::time_point, message> redeliveries_; ///< nacked, due at the key
  std::string client_error_;                                ///< reported by the next fetch
};

} // namespace armada::herald::kafka
