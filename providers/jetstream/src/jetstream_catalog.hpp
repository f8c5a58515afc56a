#pragma once

// Streams and durable consumers of the jetstream provider: one stream per topic (created if
// missing) and one durable pull consumer per (topic, group) (created if missing).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <nats/nats.h>

#include "armada/herald/url.hpp"

namespace armada::herald::jetstream {

inline constexpr const char* provider_name = "jetstream";

/// The stream and consumer settings read from the URL's properties.
struct settings {
  std::string stream_prefix;
  jsStorageType storage = js_FileStorage;
  std::int64_t replicas = 1;
  std::int64_t max_deliver = -1;
  std::chrono::milliseconds ack_wait{30000};
  std::chrono::milliseconds max_age{0};
  std::chrono::milliseconds duplicate_window{120000};
  std::int64_t max_ack_pending = 20000;

  /// Reads and validates the jetstream properties; an error names the property and the fix.
  static caf::expected<settings> from(const properties& props);
};

/// "HERALD_" + the topic with every character a stream name cannot hold replaced by '_'.
std::string stream_name(const std::string& prefix, const std::string& topic);

/// A durable name for `group` (characters a consumer name cannot hold replaced by '_').
std::string durable_name(const std::string& group);

/// Creates streams and consumers if missing. Thread-safe.
class catalog {
public:
  catalog(jsCtx* js, settings s, std::string address)
    : js_(js), settings_(std::move(s)), address_(std::move(address)) {}

  /// The stream holding `subject` (topic `topic`), created if missing. An existing stream of
  /// that name for other subjects is a config error naming both.
  caf::expected<std::string> stream_for(const std::string& topic, const std::string& subject);

  /// The stream must be looked up again (it was deleted behind our back).
  void forget(const std::string& stream);

  /// The durable pull consumer `durable` on `stream` for `subject`, created if missing (an
  /// existing consumer keeps its configuration). Returns the consumer's MaxAckPending: the
  /// messages the server hands out unacked, at most, to all its members (-1: no limit).
  caf::expected<std::int64_t> ensure_consumer(const std::string& stream, const std::string& durable,
                                              const std::string& subject);

  const settings& config() const { return settings_; }

private:
  jsCtx* js_;
  settings settings_;
  std::string address_;
  std::mutex mtx_;
  std::set<std::string> known_;
};

} // namespace armada::herald::jetstream
