#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <caf/meta/type_name.hpp>

namespace armada::herald {

/// A message on a broker: payload bytes (binary safe), metadata, id, key and the broker's own
/// position. The same shape on every provider.
struct message {
  std::string id{};                              ///< a UUID made by the publisher unless set
  std::string key{};                             ///< ordering / partition key; may be empty
  std::map<std::string, std::string> metadata{}; ///< see serialization/metadata.hpp for reserved names
  std::string payload{};                         ///< bytes
  std::string topic{};                           ///< where it was published / read from
  std::string broker{};                          ///< broker-native position (offset, stream id …), read-only
  std::uint32_t attempt = 1;                   ///< delivery attempt, from 1
  std::chrono::system_clock::time_point published{};

  /// The value of metadata `name`, or `fallback`.
  const std::string& meta(const std::string& name, const std::string& fallback = empty()) const {
    auto i = metadata.find(name);
    return i == metadata.end() ? fallback : i->second;
  }

  static const std::string& empty() {
    static const std::string e;
    return e;
  }

  template <class Inspector>
  friend auto inspect(Inspector& f, message& x) {
    return f(caf::meta::type_name("armada.herald.message"), x.id, x.key, x.metadata, x.payload,
             x.topic, x.broker, x.attempt, x.published);
  }
};

/// What the broker acknowledged for one published message.
struct publish_receipt {
  std::string id{};     ///< the message id
  std::string broker{}; ///< broker-native position, when the broker tells
  template <class Inspector>
  friend auto inspect(Inspector& f, publish_receipt& x) {
    return f(caf::meta::type_name("armada.herald.publish_receipt"), x.id, x.broker);
  }
};

/// What a provider can honestly do (the features row of the provider table).
struct features {
  bool consumer_groups = false;          ///< competing consumers share a topic's messages
  bool guaranteed_order = false;         ///< one subscriber sees a topic's messages in publish order
  bool persistent = false;               ///< messages survive a restart of the broker / process
  bool exactly_once = false;
  bool new_subscriber_receives_old = false; ///< a new subscription reads messages published before it
  bool restartable_server = false;       ///< the test suite can restart the broker
  bool nack_delay = false;               ///< nack(delay) waits before redelivery
  /// Messages survive the absence of a subscriber: one published while nobody subscribes, or
  /// left unacked by a subscription that closed, is delivered to the next subscriber.
  bool retains_messages = false;
};

/// How to subscribe.
struct subscribe_options {
  std::string group = "default";                ///< consumer group (where supported)
  std::size_t prefetch = 64;                     ///< messages handed out but not yet acked, at most
  std::chrono::milliseconds poll_wait{20};       ///< longest blocking wait of one fetch
  template <class Inspector>
  friend auto inspect(Inspector& f, subscribe_options& x) {
    return f(x.group, x.prefetch, x.poll_wait);
  }
};

} // namespace armada::herald
