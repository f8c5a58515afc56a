#pragma once

// Test kit for herald users: a capturing provider wrapper and message helpers.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "armada/capitan/event.hpp"
#include "armada/herald/driver.hpp"

namespace armada::herald::testing {

/// Wraps a provider's driver and records every message published through it (after the
/// broker acknowledged it), so a test can assert what a service sent without a consumer.
/// Everything else is passed through. Thread-safe.
class capturing_driver final : public driver {
public:
  explicit capturing_driver(std::shared_ptr<driver> inner) : inner_(std::move(inner)) {}

  std::string provider() const override { return inner_->provider(); }
  herald::features features() const override { return inner_->features(); }
  caf::expected<publish_receipt> publish(const message& m) override;
  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override;
  caf::expected<std::unique_ptr<subscription_driver>> subscribe(const std::string& topic,
                                                                const subscribe_options& opts) override {
    return inner_->subscribe(topic, opts);
  }
  caf::expected<std::chrono::nanoseconds> ping() override { return inner_->ping(); }
  void close() override { inner_->close(); }

  /// Every acknowledged message so far (optionally only those of `topic`).
  std::vector<message> published(const std::string& topic = {}) const;

  /// Waits until at least `n` messages (of `topic`, when given) were acknowledged, or until
  /// `timeout`; returns whether they were.
  bool wait_for_count(std::size_t n, const std::string& topic = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{10}) const;

private:
  void record(const message& m, const publish_receipt& r);
  std::shared_ptr<driver> inner_;
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  std::vector<message> published_;
};

/// A message for `topic` with a fresh id, the payload and optional metadata.
message make_message(std::string topic, std::string payload,
                     std::map<std::string, std::string> metadata = {});

/// The message `bridge_out` would publish for `e` (what a `bridge_in` on the other side
/// accepts): the typed event codec, content type and type metadata, trace context.
caf::expected<message> event_message(std::string topic, const capitan::event& e);

} // namespace armada::herald::testing
