#pragma once

#include <string>

#include <caf/expected.hpp>

namespace armada::aegis::detail {

/// The subject of the PEM certificate at `path` in OpenSSL's one-line form
/// ("/CN=node-a/O=mesh"): a TLS node's id. `errc::config` naming the file when unreadable.
caf::expected<std::string> certificate_subject(const std::string& path);

} // namespace armada::aegis::detail
