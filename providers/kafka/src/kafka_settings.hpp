#pragma once

// The kafka provider's URL and properties, and the librdkafka configurations made from them.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/expected.hpp>
#include <librdkafka/rdkafka.h>

#include "armada/herald/url.hpp"

namespace armada::herald::kafka {

inline constexpr const char* provider_name = "kafka";

struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;

struct handle_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using handle_ptr = std::unique_ptr<rd_kafka_t, handle_deleter>;

/// A librdkafka property, its value, and the herald property it comes from (for errors).
using conf_value = std::tuple<std::string, std::string, std::string>;

/// Everything a URL says, checked.
struct settings {
  std::string bootstrap;  ///< "h1:p1,h2:p2"
  std::string shown_url;  ///< kafka://bootstrap (no properties)
  std::string client_id;
  std::string partitioner;
  bool idempotence = true;
  std::chrono::milliseconds linger{0};
  std::int64_t max_in_flight = 1;
  std::chrono::milliseconds message_timeout{30000};
  std::chrono::milliseconds timeout{10000};
  bool create_topics = true;
  bool group_per_topic = true;
  bool from_earliest = true;
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds heartbeat_interval{3000};
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds reconnect_backoff{100};
  std::chrono::milliseconds reconnect_backoff_max{10000};
  std::vector<std::pair<std::string, std::string>> passthrough{}; ///< rdkafka.NAME=value

  /// Parses and checks `text`; the error names the property or the part of the URL.
  static caf::expected<settings> parse(std::string_view text);

  /// Unkeyed messages keep one partition (so a topic has an order).
  bool ordered() const { return partitioner.find("random") == std::string::npos; }

  /// The producer configuration (idempotence, delivery timeout, partitioner, …).
  caf::expected<conf_ptr> producer_conf() const;

  /// The consumer configuration of `group` (manual offset store, auto commit of stored offsets).
  caf::expected<conf_ptr> consumer_conf(const std::string& group) const;

  /// The Kafka group.id of herald group `group` on `topic`: "group@topic", or the group itself
  /// with group-per-topic=false.
  std::string group_id(const std::string& group, const std::string& topic) const {
    return group_per_topic ? group + "@" + topic : group;
  }

private:
  /// What producers and consumers share: brokers, client id, topic creation, reconnects.
  std::vector<conf_value> common_values() const;
};

/// A transport error "kafka provider: <what> (<librdkafka's reason>); <fix>".
caf::error transport_error(const std::string& what, rd_kafka_resp_err_t err, std::string_view fix = {});

} // namespace armada::herald::kafka
