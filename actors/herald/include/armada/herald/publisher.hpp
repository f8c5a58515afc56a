#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "armada/capitan/instance.hpp"
#include "armada/herald/connection.hpp"
#include "armada/pipz/chainable.hpp"
#include "armada/serialization/codec.hpp"
#include "armada/serialization/default_codec.hpp"

namespace armada::herald {

/// The pipz options of a publisher. Whatever the order they are given in, the pipeline is
/// always, outermost first:
///
///     filter → middleware… → on_error → fallback → rate_limit → circuit_breaker
///            → retry/backoff → timeout → publish (the connection)
///
/// so a filtered message costs nothing, a rate-limited or breaker-rejected publish is not
/// retried, one retried publish counts once for the breaker, and the timeout bounds each
/// attempt. Every option is optional.
struct publish_options {
  std::function<bool(const message&)> filter;             ///< false: the message is skipped (not an error)
  std::vector<std::function<void(message&)>> middleware;  ///< runs in order, may edit the message
  std::function<void(const message&, const caf::error&)> on_error; ///< sees every failed publish
  connection fallback{};                     ///< where to publish when the primary fails
  std::optional<double> rate_limit{};                       ///< messages per second (waits)
  std::size_t burst = 1;
  std::optional<std::size_t> breaker_failures{};            ///< consecutive failures that open it
  std::chrono::milliseconds breaker_reset{30000};
  std::size_t attempts = 1;                               ///< publish attempts in total
  std::chrono::milliseconds backoff_base{0};              ///< 0: retry at once
  std::chrono::milliseconds backoff_max{30000};
  double backoff_jitter = 0.2;
  std::chrono::milliseconds timeout{30000};               ///< per attempt
  std::shared_ptr<armada::clock> clock{};                   ///< for breaker, limiter, backoff, timeout
  capitan::instance* events = nullptr;                    ///< herald.error and pipz signals go here
};

/// Option builders, as in `herald::publisher<Order>(conn, "orders", retry(3), circuit_breaker(5, 30s))`.
using publish_option = std::function<void(publish_options&)>;
publish_option retry(std::size_t attempts);
publish_option backoff(std::size_t attempts, std::chrono::milliseconds base,
                       std::chrono::milliseconds max = std::chrono::seconds{30});
publish_option timeout(std::chrono::milliseconds per_attempt);
publish_option circuit_breaker(std::size_t failures, std::chrono::milliseconds reset);
publish_option rate_limit(double per_second, std::size_t burst = 1);
publish_option filter(std::function<bool(const message&)> keep);
publish_option middleware(std::function<void(message&)> fn);
publish_option on_error(std::function<void(const message&, const caf::error&)> fn);
publish_option fallback(connection secondary);
publish_option events(capitan::instance& inst);
publish_option clock(std::shared_ptr<armada::clock> clk);

/// Publishes messages to one topic through the pipeline of its options. Thread-safe: many
/// threads may publish at once (each publish runs the pipeline on the caller's thread and
/// waits for the broker's acknowledgement).
class raw_publisher {
public:
  raw_publisher(connection conn, std::string topic, publish_options opts);

  /// Fills id (a UUID), topic and publish time when unset, runs the pipeline, and returns the
  /// broker's receipt; a message dropped by the filter returns a receipt with empty `broker`.
  caf::expected<publish_receipt> publish(message m) const;

  const std::string& topic() const { return topic_; }
  /// The pipeline's schema as JSON (see pipz).
  std::string schema_json() const;

private:
  connection conn_;
  std::string topic_{};
  publish_options opts_;
  pipz::ref<message> pipeline_;
};

/// Publishes values of `T`, encoded with `Codec` (JSON, Protobuf for Protobuf types, raw for
/// bytes: see serialization::default_codec).
template <class T, class Codec = serialization::default_codec<T>>
class publisher {
public:
  template <class... Options>
  publisher(connection conn, std::string topic, Options... options)
    : raw_(std::move(conn), std::move(topic), make_options(options...)) {}

  /// Encodes and publishes `value` with ordering key `key`; returns once acknowledged.
  caf::expected<publish_receipt> publish(const T& value, std::string key = {}) const {
    auto bytes = codec_.encode(value);
    if (!bytes)
      return bytes.error();
    message m;
    m.key = std::move(key);
    m.payload = std::move(*bytes);
    m.metadata["content-type"] = std::string{codec_.content_type()};
    return raw_.publish(std::move(m));
  }

  const raw_publisher& raw() const { return raw_; }

private:
  template <class... Options>
  static publish_options make_options(Options&... options) {
    publish_options opts;
    (options(opts), ...);
    return opts;
  }
  raw_publisher raw_;
  Codec codec_{};
};

} // namespace armada::herald
