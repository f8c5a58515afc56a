#include "tls_identity.hpp"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "armada/aegis/errc.hpp"
#include "armada/runtime/thread_exit.hpp"

namespace armada::aegis::detail {

namespace {

// TLS leaves OpenSSL state on the threads that use it: released before an actor thread ends,
// not by OPENSSL_cleanup at exit while the thread may still be ending (see at_actor_thread_exit).
[[maybe_unused]] const bool releases_openssl_thread_state = armada::at_actor_thread_exit(&OPENSSL_thread_stop);

template <class T, void (*Free)(T*)>
struct openssl_delete {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, openssl_delete<X509, X509_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_delete<EVP_PKEY, EVP_PKEY_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_delete<BIO, BIO_free_all>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, openssl_delete<EVP_MD_CTX, EVP_MD_CTX_free>>;
using store_ptr = std::unique_ptr<X509_STORE, openssl_delete<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr =
  std::unique_ptr<X509_STORE_CTX, openssl_delete<X509_STORE_CTX, X509_STORE_CTX_free>>;

caf::error config_error(std::string text) { return make_error(errc::config, "aegis: " + std::move(text)); }

std::string one_line(const X509_NAME* name) {
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

std::string time_text(const ASN1_TIME* t) {
  bio_ptr bio{BIO_new(BIO_s_mem())};
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  auto n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

x509_ptr parse_certificate(const std::string& pem) {
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  return x509_ptr{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
}

std::string claim(const std::string& id, const std::string& audience) {
  return "armada aegis identity\n" + id + "\n" + audience;
}

} // namespace

struct tls_identity::keys {
  pkey_ptr key;
  store_ptr ca;
};

tls_identity::~tls_identity() = default;

caf::expected<std::shared_ptr<const tls_identity>> tls_identity::load(const tls_options& tls) {
  std::ifstream in{tls.certificate};
  std::stringstream text;
  text << in.rdbuf();
  auto cert = parse_certificate(text.str());
  if (!in || !cert)
    return config_error("'" + tls.certificate + "' is not a PEM certificate; tls.certificate "
                        "must be the node's certificate in PEM");
  auto path = "TLS certificate '" + tls.certificate + "'";
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0)
    return config_error(path + " expired on " + time_text(X509_get0_notAfter(cert.get()))
                        + "; other nodes refuse it: issue a new one signed by the mesh CA");
  if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0)
    return config_error(path + " is not valid before "
                        + time_text(X509_get0_notBefore(cert.get()))
                        + "; other nodes refuse it until then (is the clock right?)");
  std::unique_ptr<tls_identity> id{new tls_identity};
  id->keys_ = std::make_unique<keys>();
  {
    std::unique_ptr<FILE, int (*)(FILE*)> file{std::fopen(tls.key.c_str(), "r"), &std::fclose};
    if (file)
      id->keys_->key.reset(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  }
  if (!id->keys_->key)
    return config_error("'" + tls.key + "' is not a PEM private key; tls.key must be the "
                        "unencrypted key of tls.certificate");
  if (X509_check_private_key(cert.get(), id->keys_->key.get()) != 1)
    return config_error("the key '" + tls.key + "' does not belong to " + path
                        + "; give the key the certificate was issued for");
  id->keys_->ca.reset(X509_STORE_new());
  if (X509_STORE_load_file(id->keys_->ca.get(), tls.ca_file.c_str()) != 1)
    return config_error("'" + tls.ca_file + "' holds no PEM certificate; tls.ca_file must be "
                        "the mesh CA's certificate");
  id->subject_ = one_line(X509_get_subject_name(cert.get()));
  id->certificate_pem_ = text.str();
  return std::shared_ptr<const tls_identity>{std::move(id)};
}

std::string tls_identity::prove(const std::string& audience) const {
  auto msg = claim(subject_, audience);
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, keys_->key.get()) != 1
      || EVP_DigestSign(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(msg.data()), msg.size())
           != 1)
    return {};
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size())
      != 1)
    return {};
  sig.resize(len);
  return sig;
}

std::string tls_identity::check(const std::string& claimed_id, const std::string& audience,
                                const std::string& certificate,
                                const std::string& signature) const {
  auto cert = parse_certificate(certificate);
  if (!cert)
    return "it sent no certificate";
  store_ctx_ptr ctx{X509_STORE_CTX_new()};
  if (X509_STORE_CTX_init(ctx.get(), keys_->ca.get(), cert.get(), nullptr) != 1)
    return "its certificate cannot be checked";
  if (X509_verify_cert(ctx.get()) != 1)
    return std::string{"its certificate is refused ("}
           + X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())) + ")";
  auto subject = one_line(X509_get_subject_name(cert.get()));
  if (subject != claimed_id)
    return "its certificate is issued to " + subject + ", not to " + claimed_id;
  auto msg = claim(claimed_id, audience);
  md_ctx_ptr md{EVP_MD_CTX_new()};
  if (EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert.get()))
        != 1
      || EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(msg.data()),
                          msg.size())
           != 1)
    return "its signature does not match its certificate (a copied certificate, or a proof "
           "made for another node)";
  return {};
}

} // namespace armada::aegis::detail
