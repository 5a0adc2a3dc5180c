// The listener's TLS context: secud serves HTTPS when --tls-cert and --tls-key are both given.
// OpenSSL stays in tls.cpp; this header only forward-declares the context type.
#pragma once

#include <string>

#include "secu/result.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace secu::daemon {

// Loads the PEM certificate chain `cert` and private key `key` into `ctx` (TLS 1.2 or later,
// no compression) and checks that the key belongs to the certificate. The error names the file
// and what is wrong with it (missing, not PEM, key of another certificate), never key bytes.
Status configure_tls(ssl_ctx_st& ctx, const std::string& cert, const std::string& key);

// The same checks on a throwaway context: `secud serve` runs them before it touches the data
// dir, so a bad certificate or key stops it before anything is created or printed.
Status check_tls_files(const std::string& cert, const std::string& key);

}  // namespace secu::daemon
