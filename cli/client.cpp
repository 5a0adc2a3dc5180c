#include "client.hpp"

#include <httplib.h>
#include <openssl/x509.h>

#include "secu/files.hpp"
#include "secu/percent.hpp"

namespace secu::cli {

struct Client::Impl {
  std::unique_ptr<httplib::Client> http;
};

Client::Client(ClientOptions opts) : m_opts(std::move(opts)), m_impl(std::make_unique<Impl>()) {
  m_impl->http = std::make_unique<httplib::Client>(m_opts.addr);
  auto& h = *m_impl->http;
  h.set_tcp_nodelay(true);
  h.set_connection_timeout(5, 0);
  h.set_read_timeout(m_opts.timeout_s, 0);
  h.set_write_timeout(m_opts.timeout_s, 0);
  h.set_keep_alive(true);
  // Without a CA file httplib verifies against the system's CAs (OpenSSL's default paths).
  if (!m_opts.ca_file.empty()) h.set_ca_cert_path(m_opts.ca_file.c_str());
  h.enable_server_certificate_verification(!m_opts.insecure);
}

Client::~Client() = default;

namespace {

Error transport_error(const ClientOptions& o, httplib::Error err, long verify_result) {
  const bool https = o.addr.rfind("https://", 0) == 0;
  switch (err) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
      return Error::make(ErrorKind::kUnavailable, "unreachable",
                         "cannot reach secud at " + o.addr + " (is it running?)");
    case httplib::Error::SSLServerVerification: {
      // OpenSSL's verdict on the chain; X509_V_OK means the chain was fine but the
      // certificate does not name the host of the address.
      const std::string why = verify_result == X509_V_OK
                                  ? "the certificate does not name this host"
                                  : X509_verify_cert_error_string(verify_result);
      return Error::make(ErrorKind::kUnavailable, "tls_verify_failed",
                         "secud's TLS certificate at " + o.addr + " is not trusted (" + why +
                             "); pass the CA that signed it with --ca-file (or SECU_CA_FILE)");
    }
    case httplib::Error::SSLLoadingCerts:
      return Error::make(ErrorKind::kUnavailable, "tls_failed",
                         "cannot load the CA certificates from " +
                             (o.ca_file.empty() ? std::string("the system store") : o.ca_file));
    case httplib::Error::SSLConnection:
      return Error::make(ErrorKind::kUnavailable, "tls_failed",
                         "the TLS handshake with " + o.addr +
                             " failed (does secud serve HTTPS there? without --tls-cert it "
                             "serves http://)");
    case httplib::Error::Read:
    case httplib::Error::Write:
      if (!https) {
        // A TLS listener drops a plain-HTTP request without an answer.
        return Error::make(ErrorKind::kUnavailable, "unreachable",
                           "secud at " + o.addr +
                               " closed the connection without answering (if it serves HTTPS, "
                               "use an https:// address)");
      }
      break;
    default:
      break;
  }
  return Error::make(ErrorKind::kUnavailable, "unreachable",
                     "request to " + o.addr + " failed: " + httplib::to_string(err));
}

httplib::Request make_request(const ClientOptions& o, const std::string& method,
                              const std::string& path) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!o.admin_token.empty()) req.headers.emplace("X-Secu-Admin-Token", o.admin_token);
  if (!o.bearer.empty()) req.headers.emplace("Authorization", "Bearer " + o.bearer);
  for (const auto& [k, v] : o.extra_headers)
    req.headers.emplace(k, v);
  return req;
}

// Checked before connecting: httplib reports a missing CA file only as "SSLLoadingCerts".
Status check_ca_file(const ClientOptions& o) {
  if (!o.ca_file.empty() && !files::exists(o.ca_file)) {
    return Error::invalid("the CA file " + o.ca_file + " does not exist", "ca_file");
  }
  return {};
}

}  // namespace

Result<Reply> Client::call(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type) {
  if (!m_impl->http->is_valid()) {
    return Error::make(ErrorKind::kInvalid, "bad_address",
                       "--addr must look like http://HOST:PORT or https://HOST:PORT");
  }
  SECU_TRY_VOID(check_ca_file(m_opts));
  auto req = make_request(m_opts, method, path);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body = body;
    req.set_header("Content-Type", content_type);
  }
  auto res = m_impl->http->send(req);
  if (!res) {
    return transport_error(m_opts, res.error(), m_impl->http->get_openssl_verify_result());
  }
  Reply r;
  r.status = res->status;
  r.body = std::move(res->body);
  r.request_id = res->get_header_value("X-Request-Id");
  r.content_type = res->get_header_value("Content-Type");
  for (const auto& [k, v] : res->headers)
    r.headers.emplace(k, v);
  return r;
}

Result<Reply> Client::stream(const std::string& method, const std::string& path,
                             const HeadFn& on_head, const DataFn& on_data) {
  if (!m_impl->http->is_valid()) {
    return Error::make(ErrorKind::kInvalid, "bad_address",
                       "--addr must look like http://HOST:PORT or https://HOST:PORT");
  }
  SECU_TRY_VOID(check_ca_file(m_opts));
  auto req = make_request(m_opts, method, path);
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    req.set_header("Content-Type", "application/json");
  }
  constexpr size_t kMaxErrorBody = 64 * 1024;
  Reply r;
  bool refused = false;
  req.response_handler = [&](const httplib::Response& res) {
    r.status = res.status;
    r.request_id = res.get_header_value("X-Request-Id");
    r.content_type = res.get_header_value("Content-Type");
    for (const auto& [k, v] : res.headers)
      r.headers.emplace(k, v);
    if (r.ok() && on_head && !on_head(r)) refused = true;
    return !refused;
  };
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    if (!r.ok()) {
      if (r.body.size() < kMaxErrorBody) r.body.append(data, len);
      return true;
    }
    return on_data(data, len);
  };
  auto res = m_impl->http->send(req);
  if (refused) return r;  // the caller said why
  if (!res) {
    if (r.status != 0) {
      return Error::make(
          ErrorKind::kUnavailable, "transfer_cut_off",
          "the transfer from " + m_opts.addr + " was cut off: " + httplib::to_string(res.error()));
    }
    return transport_error(m_opts, res.error(), m_impl->http->get_openssl_verify_result());
  }
  return r;
}

std::string url_encode(const std::string& s) {
  return percent_encode(s);
}

}  // namespace secu::cli
