// Real network peers for integration tests, written in Node.js under tests/peers (npm
// packages pinned by its package-lock.json, installed by packaging/install-deps.sh): the SMTP
// sink now, an OIDC provider and a Stripe mock later.
//
// Protocol of a peer script: it listens on 127.0.0.1, port 0 unless told otherwise, and prints
// the bound port as the first line of stdout; SIGTERM stops it.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace secu::test {

class TempDir;

// tests/peers of this source tree.
std::string peers_dir();
// True when node and tests/peers/node_modules are present. When they are not, throws (the test
// fails and says how to install them) unless SECU_ALLOW_PEER_SKIP=1, then false (skipped).
bool node_peers_available();

// One running peer process: `node tests/peers/<script> args…`.
class NodePeer {
 public:
  NodePeer(const std::string& script, const std::vector<std::string>& args = {});
  ~NodePeer();
  NodePeer(const NodePeer&) = delete;
  NodePeer& operator=(const NodePeer&) = delete;

  int port() const { return m_port; }
  // What the peer wrote so far.
  std::string out() const;
  std::string err() const;
  void stop();

 private:
  std::unique_ptr<TempDir> m_tmp;
  int m_pid = -1;
  int m_port = 0;
};

// The SMTP sink (tests/peers/smtp-sink.js): accepts any mail and any AUTH and keeps each
// message as JSON {seq, from, to[], auth{username,password}|null, subject, text, headers, raw}.
class SmtpSink {
 public:
  explicit SmtpSink(bool require_auth = false);
  ~SmtpSink();
  std::string url() const;  // smtp://127.0.0.1:PORT
  int port() const;
  // Every message received so far, oldest first.
  std::vector<nlohmann::json> messages() const;
  // Waits until at least `n` messages arrived; returns them (fewer on timeout).
  std::vector<nlohmann::json> wait_for(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  std::unique_ptr<TempDir> m_dir;
  std::unique_ptr<NodePeer> m_peer;
};

// The OpenID provider (tests/peers/oidc-provider.js): the npm package oidc-provider v8 with
// clients secu-es (public, ES256 ID tokens), secu-rs (client_secret_basic, RS256) and
// secu-post (client_secret_post, RS256), PKCE S256 required, and the development login and
// consent forms. The provider is built by setup(), once secud's callback URL is known.
constexpr const char* kOidcClientSecret = "secu-test-client-secret";
class OidcPeer {
 public:
  OidcPeer();
  ~OidcPeer();
  int port() const;
  std::string issuer() const;  // http://127.0.0.1:PORT
  // Builds the provider; `redirect_uri` is secud's callback. With `email_in_id_token` the
  // email claims ride in the ID token, else only userinfo serves them.
  void setup(const std::string& redirect_uri, bool email_in_id_token = false);
  // Makes the next ID token defective: bad_nonce, expired, wrong_aud, unknown_key, alg_none,
  // hs256 (see the script).
  void next_id_token(const std::string& mode);
  void stop();

 private:
  std::unique_ptr<NodePeer> m_peer;
};

// The first http(s)://… URL in `text` (up to whitespace), or "".
std::string first_url(const std::string& text);

// The Stripe-compatible server (tests/peers/stripe-server.js): stripe-stateful-mock (customers,
// Bearer sk_test_ auth, idempotency replay) plus invoice items, invoices and finalize in
// Stripe's shapes, and test controls (request log, injected errors, held answers).
class StripeServer {
 public:
  // The secret key the server accepts (any sk_test_… works; this is the one tests configure).
  static constexpr const char* kSecretKey = "sk_test_secu4242424242SECRETkey";

  StripeServer();
  ~StripeServer();
  int port() const;
  std::string url() const;  // http://127.0.0.1:PORT (secud's --stripe-api-base)

  // Calls the Stripe API as a Stripe client would (kSecretKey), for checks from the test.
  nlohmann::json get(const std::string& path) const;
  nlohmann::json del(const std::string& path) const;
  // Every /v1 request received so far: {method, path, authorization, stripe_version,
  // idempotency_key, content_type, body (raw form), replayed}.
  std::vector<nlohmann::json> requests() const;
  // The next `times` METHOD PATH requests answer `status` with {"error": error}, doing nothing.
  void fail_next(const std::string& method, const std::string& path, int status,
                 const nlohmann::json& error, int times = 1) const;
  // The next METHOD PATH request is carried out but its answer held until release().
  void hold(const std::string& method, const std::string& path) const;
  // Waits until `n` answers are held; false on timeout.
  bool wait_held(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  void release() const;

 private:
  std::unique_ptr<NodePeer> m_peer;
};

}  // namespace secu::test
