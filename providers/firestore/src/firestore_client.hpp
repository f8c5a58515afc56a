#pragma once

// The REST calls of the firestore provider on one HTTP connection, and how a message is a
// document. One thread at a time.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/herald/http_client.hpp"
#include "armada/herald/message.hpp"

namespace armada::herald::firestore {

struct settings {
  std::string host{};
  std::uint16_t port = 0;
  std::string project{};
  std::string prefix{"herald-"};
  std::chrono::milliseconds lease{30000};
  std::int64_t scan = 100;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  int max_attempts = 4;
  std::string shown{};
};

/// A document read back: its name, update time and the fields the provider uses.
struct document {
  std::string name{};        ///< projects/…/documents/<collection>/<id>
  std::string update_time{}; ///< the compare-and-set token
  std::int64_t lease_until = 0; ///< ms since the epoch
  std::uint32_t attempts = 0;
  std::string envelope{};    ///< the message (armada envelope bytes)
};

class api {
public:
  explicit api(const settings& s);

  /// `method` on `/v1/projects/<p>/databases/(default)/documents<path>`; the parsed answer, or
  /// an error naming the call, the endpoint and Firestore's status. `status` receives the HTTP status.
  caf::expected<nlohmann::json> call(const std::string& method, const std::string& path, const nlohmann::json& body,
                                     int* status = nullptr);

  /// Creates document `id` of `collection`; an existing one (the same message again) is fine.
  caf::error create(const std::string& collection, const std::string& id, const nlohmann::json& fields);

  /// The first `limit` documents of `collection` by `seq`.
  caf::expected<std::vector<document>> oldest(const std::string& collection, std::int64_t limit);

  /// Sets `lease_until` (and `attempts` when >= 0) of `doc` if it was not changed since
  /// `update_time`; the new update time, or empty when someone else changed it first.
  caf::expected<std::string> set_lease(const std::string& doc, const std::string& update_time, std::int64_t lease_until,
                                       std::int64_t attempts = -1);

  /// Deletes `doc` if it was not changed since `update_time`; false when it was.
  caf::expected<bool> remove(const std::string& doc, const std::string& update_time);

  void close() { client_.close(); }
  const settings& config() const { return s_; }
  std::string root() const { return "projects/" + s_.project + "/databases/(default)/documents"; }

private:
  caf::expected<nlohmann::json> commit(const nlohmann::json& write, int* status);

  settings s_;
  http::client client_;
};

/// The documents of a `:runQuery` answer, in its order; rows without a document are skipped.
std::vector<document> documents_of(const nlohmann::json& answer);

/// The new update time in a `:commit` answer, or empty when it has none.
std::string update_time_of(const nlohmann::json& answer);

/// Milliseconds since the epoch now.
std::int64_t now_ms();

/// A valid collection or document id for `name` ('/' becomes '-'; "__x__", "." and ".." get a prefix).
std::string safe_id(const std::string& name);

} // namespace armada::herald::firestore
