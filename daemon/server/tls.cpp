// OpenSSL for the listener lives here (httplib's SSLServer calls configure_tls with its fresh
// context). Configuring the context ourselves, instead of httplib's path constructor, is what
// gives a clear start-up error: httplib only reports "not valid", and it would accept a key
// of another type than the certificate's (an EC key beside an RSA certificate) and fail every
// handshake later instead of refusing to start.
#include "server/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

#include "secu/files.hpp"

namespace secu::daemon {

namespace {

// The reason of OpenSSL's last queued error ("no start line", "key values mismatch"…), and the
// queue cleared so a later error is not blamed on this one.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  const char* r = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return r ? r : "unknown error";
}

Error tls_error(const std::string& message, const char* field) {
  auto e = Error::invalid(message, field);
  e.code = "tls_config";
  return e;
}

}  // namespace

Status configure_tls(ssl_ctx_st& ctx, const std::string& cert, const std::string& key) {
  ERR_clear_error();
  if (!files::exists(cert)) return tls_error("tls_cert " + cert + " does not exist", "tls_cert");
  if (!files::exists(key)) return tls_error("tls_key " + key + " does not exist", "tls_key");
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) != 1) {
    return tls_error("cannot load the TLS certificate " + cert + " (" + openssl_reason() +
                         "): it must be a PEM certificate chain",
                     "tls_cert");
  }
  // OpenSSL itself refuses a key of the certificate's type that does not match it ("key values
  // mismatch"); check_private_key below catches a key of another type.
  if (SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string reason = openssl_reason();
    if (reason.find("mismatch") != std::string::npos) {
      return tls_error("the TLS key " + key + " does not match the certificate " + cert, "tls_key");
    }
    return tls_error("cannot load the TLS key " + key + " (" + reason +
                         "): it must be an unencrypted PEM private key",
                     "tls_key");
  }
  if (SSL_CTX_check_private_key(&ctx) != 1) {
    ERR_clear_error();
    return tls_error("the TLS key " + key + " does not match the certificate " + cert, "tls_key");
  }
  return {};
}

Status check_tls_files(const std::string& cert, const std::string& key) {
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return Error::internal("OpenSSL could not make a TLS context");
  return configure_tls(*ctx, cert, key);
}

}  // namespace secu::daemon
