#pragma once

// A JSON request/answer over the HTTP client, as the Google REST APIs (Pub/Sub, Firestore) speak
// it: errors carry `{"error": {"status", "message"}}`.

#include <string>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/herald/http_client.hpp"

namespace armada::herald::http {

/// `method` on `target` with `body` (sent for methods other than GET and DELETE); the parsed
/// answer of a 200, else an `errc::transport` error "<who>: <method> <target> at <endpoint>
/// failed with HTTP <status>: <STATUS>: <message>" (a malformed 200 body is an error too).
/// `status` (when given) receives the HTTP status. Retries as `client::call` does.
caf::expected<nlohmann::json> json_call(client& c, const std::string& who, const std::string& method,
                                        const std::string& target, const nlohmann::json& body, int* status = nullptr);

/// The string member `name` of `object`; empty when `object` is not an object or the member is
/// missing or not a string. For answers of a server that may not be what it claims. Never throws.
std::string string_field(const nlohmann::json& object, const char* name);

namespace detail {

/// The answer `res` of the call `what` ("<who>: <method> <target> at <endpoint>") as
/// `json_call` returns it. Never throws.
caf::expected<nlohmann::json> json_answer(const response& res, const std::string& what);

} // namespace detail

} // namespace armada::herald::http
