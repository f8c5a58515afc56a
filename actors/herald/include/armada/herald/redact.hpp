#pragma once

// Secrets (broker passwords, tokens, cloud keys) never appear in errors, logs or state: every
// provider shows a URL or a property value through these.

#include <string>
#include <string_view>

namespace armada::herald {

/// Whether a property named `name` holds a secret: its name contains "password", "secret",
/// "token" or "credential" (secret-access-key, session-token, rdkafka.sasl.password, …).
bool is_secret_property(std::string_view name);

/// `text`, a provider URL (well-formed or not), with every secret replaced by "***": the
/// password of the userinfo (the whole userinfo when it has no ':', as a token) and the value of
/// every secret property in the query. What errors and logs may quote.
std::string redact(std::string_view text);

/// `value`, or "***" when `property` is a secret property.
std::string shown_value(std::string_view property, std::string_view value);

} // namespace armada::herald
