#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "armada/aegis/actors.hpp"
#include "armada/aegis/options.hpp"

namespace caf {
class actor_system;
}

namespace armada::aegis {

/// Reads the state of running nodes from outside the mesh (it never joins): `armada-mesh
/// inspect` and the multi-process tests use it. Keeps one actor system and one connection per
/// address. Thread-safe.
class inspector {
public:
  /// With `tls` set, connects with that certificate (it must be signed by the mesh CA).
  explicit inspector(tls_options tls = {});
  ~inspector();
  inspector(const inspector&) = delete;
  inspector& operator=(const inspector&) = delete;

  /// The `get_state` snapshot of the node at `host:port`; `errc::network` naming the address
  /// when nothing answers, `errc::timeout` after `timeout`.
  caf::expected<node_state> state(const std::string& host, std::uint16_t port,
                                  std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Calls `function` on the node at `host:port` with an encoded argument, as the caller
  /// "armada-inspect" (a function whose allow-list does not name it refuses). Errors as
  /// `node::execute_raw`, plus `errc::network` / `errc::timeout` as `state`.
  caf::expected<std::string> call(const std::string& host, std::uint16_t port, const std::string& function,
                                  std::string payload,
                                  std::chrono::milliseconds timeout = std::chrono::seconds{5});

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace armada::aegis
