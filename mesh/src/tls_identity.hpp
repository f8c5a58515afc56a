#pragma once

// Private: a TLS node's identity. With TLS the node id is the certificate subject; CAF's TLS
// handshake proves that a peer holds *some* certificate of the mesh CA, not which one sent a
// message. So a node proves the id it claims in `join` and `hello`: it sends its certificate
// and a signature, made with its key, over the claimed id and the receiving process (its CAF
// node id, so a proof cannot be replayed to another node).

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "armada/aegis/options.hpp"

namespace armada::aegis::detail {

/// This node's certificate, key and mesh CA. Thread-safe after `load`.
class tls_identity {
public:
  /// Reads the files of `tls`. `errc::config` naming the file and the problem: unreadable, not
  /// PEM, a key that does not belong to the certificate, a certificate that has expired or is
  /// not valid yet.
  static caf::expected<std::shared_ptr<const tls_identity>> load(const tls_options& tls);

  ~tls_identity();
  tls_identity(const tls_identity&) = delete;
  tls_identity& operator=(const tls_identity&) = delete;

  /// The certificate subject in OpenSSL's one-line form ("/CN=node-a/O=mesh"): the node id.
  const std::string& subject() const { return subject_; }
  /// The certificate in PEM, sent along with a proof.
  const std::string& certificate() const { return certificate_pem_; }

  /// A signature over "this node is `subject()`, talking to `audience`" (the receiving
  /// process's CAF node id in text form); empty if signing failed.
  std::string prove(const std::string& audience) const;

  /// Checks another node's claim to be `claimed_id`: `certificate` is signed by the mesh CA
  /// and valid now, its subject is `claimed_id`, and `signature` was made with its key for
  /// `audience` (this process). Empty when it holds, otherwise what is wrong.
  std::string check(const std::string& claimed_id, const std::string& audience,
                    const std::string& certificate, const std::string& signature) const;

private:
  tls_identity() = default;
  struct keys;
  std::unique_ptr<keys> keys_;
  std::string subject_;
  std::string certificate_pem_;
};

} // namespace armada::aegis::detail
