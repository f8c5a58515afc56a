#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "armada/pipz/identity.hpp"

namespace armada::pipz {

/// One node of a pipeline's shape, as returned by `chainable<T>::schema()`: enough for the
/// CLI and the console to draw the tree. A plain value; serialise it with `to_json` and read
/// it back with `parse_schema` (the round trip is lossless).
struct schema_node {
  std::string id;          ///< the node's UUID, canonical form
  std::string name;        ///< the node's name
  std::string description; ///< the node's description (may be empty)
  std::string type;        ///< "transform", "sequence", "retry", "circuit_breaker", ...
  /// How the children run: "none" (leaf), "sequential", "parallel", "race", "contest",
  /// "fallback", "wrap" (one child, decorated), "conditional" (switch/filter/mutate),
  /// "background" (scaffold), "pool" (worker_pool).
  std::string flow = "none";
  /// The child's part in its parent's flow: "" by default; "primary" / "fallback" under a
  /// fallback; the route key under a switch; "default" for a switch's default route.
  std::string role;
  /// Settings such as `max_attempts`, `failure_threshold`, `reset_timeout_ms`, `rate`.
  /// Durations are integer milliseconds under keys ending in `_ms`.
  nlohmann::json metadata = nlohmann::json::object();
  std::vector<schema_node> children;

  /// A leaf-shaped node for `id` of kind `type` (connectors then set flow and children).
  static schema_node of(const identity& id, std::string type);

  friend bool operator==(const schema_node&, const schema_node&) = default;
};

/// nlohmann-json conversion (`nlohmann::json j = node;`). Keys: id, name, description, type,
/// flow, role (omitted when empty), metadata, children. The `ordered_json` form keeps the keys
/// in that order (as `dump_schema` writes them).
void to_json(nlohmann::json& j, const schema_node& node);
void to_json(nlohmann::ordered_json& j, const schema_node& node);

/// Reads the form `to_json` writes. Throws `std::invalid_argument` naming the missing or
/// mistyped key.
void from_json(const nlohmann::json& j, schema_node& node);
void from_json(const nlohmann::ordered_json& j, schema_node& node);

/// Parses JSON text into a schema. Throws `std::invalid_argument` on malformed JSON or a
/// missing key (the message says which).
schema_node parse_schema(std::string_view text);

/// The JSON text of a schema, keys in the documented order (`indent` < 0: compact).
std::string dump_schema(const schema_node& node, int indent = 2);

/// Milliseconds of `d` as a JSON number, for metadata.
inline std::int64_t schema_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace armada::pipz
