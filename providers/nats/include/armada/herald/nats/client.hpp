#pragma once

// The piece the nats and jetstream providers share: one nats.c connection opened from a provider
// URL and its properties, nats.c status → herald error, and message ↔ NATS headers. Internal to
// the two providers; applications use armada/herald/nats.hpp or armada/herald/jetstream.hpp.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <nats/nats.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/message.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::nats {

/// The properties every NATS-based provider understands (connection, reconnect, subjects).
const std::vector<property_spec>& client_property_specs();

/// The error of a failed nats.c call: `errc::closed` once the connection is closed,
/// `errc::transport` otherwise (the actors retry those, also while nats.c reconnects). The text
/// starts with "<provider> provider: <what> (<nats.c status text>)".
caf::error status_error(std::string_view provider, const std::string& what, natsStatus s);

/// One nats.c connection (reconnecting by itself) and the settings read from its URL.
/// Thread-safe: nats.c connections may be used from several threads; `close` is idempotent.
class client {
public:
  /// Validates `u` and `props` (made with client_property_specs plus the provider's own) and
  /// connects. Errors name the property or the server and the fix ("is nats-server running?").
  static caf::expected<std::shared_ptr<client>> open(std::string provider, const url& u,
                                                     const properties& props);

  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  natsConnection* connection() const { return nc_; }
  const std::string& provider() const { return provider_; }
  /// Host:port of the first server, for error messages.
  const std::string& address() const { return address_; }
  /// How long a publish, flush or request may take.
  std::chrono::milliseconds timeout() const { return timeout_; }

  /// `subject-prefix` + topic; an error names a topic that is not a valid NATS subject.
  caf::expected<std::string> subject_of(const std::string& topic) const;

  /// A PING / PONG round trip; its duration.
  caf::expected<std::chrono::nanoseconds> ping();

  /// The error returned once closed (its text contains "closed").
  caf::error closed_error() const;
  bool closed() const { return closed_; }

  /// Closes the connection (subscriptions end, blocked calls return). Idempotent, any thread.
  void close();

private:
  client() = default;
  std::string provider_;
  std::string address_;
  std::string subject_prefix_;
  std::chrono::milliseconds timeout_{5000};
  natsConnection* nc_ = nullptr;
  std::atomic<bool> closed_{false};
};

/// Deletes a natsMsg.
struct msg_deleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using msg_ptr = std::unique_ptr<natsMsg, msg_deleter>;

/// The header carrying message::id (also JetStream's de-duplication id).
inline constexpr const char* id_header = "Nats-Msg-Id";
/// The header carrying message::key.
inline constexpr const char* key_header = "Herald-Key";

/// A NATS message for `m` on `subject`: payload as data, id and key in headers, each metadata
/// entry a header (a value with '\n' becomes several values of that header). An invalid header
/// name or a value with '\r' is an `errc::encode` error naming it.
caf::expected<msg_ptr> to_nats(std::string_view provider, const message& m, const std::string& subject);

/// The message carried by `msg`, read from `topic`: headers back into id, key and metadata
/// (several values of one header are joined with '\n').
message from_nats(natsMsg* msg, const std::string& topic);

} // namespace armada::herald::nats
