#include "tls_identity.hpp"

#include <cstdio>
#include <memory>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "armada/aegis/errc.hpp"

namespace armada::aegis::detail {

caf::expected<std::string> certificate_subject(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file{std::fopen(path.c_str(), "r"), &std::fclose};
  if (!file)
    return make_error(errc::config, "aegis: cannot open TLS certificate '" + path + "'");
  std::unique_ptr<X509, void (*)(X509*)> cert{PEM_read_X509(file.get(), nullptr, nullptr, nullptr),
                                              &X509_free};
  if (!cert)
    return make_error(errc::config, "aegis: '" + path + "' is not a PEM certificate; "
                                      "tls.certificate must be the node's certificate in PEM");
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(cert.get()), buf, sizeof buf);
  return std::string{buf};
}

} // namespace armada::aegis::detail
