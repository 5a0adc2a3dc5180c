#include "client.hpp"
#include "secu/percent.hpp"

#include <httplib.h>

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
  if (!m_opts.ca_file.empty()) h.set_ca_cert_path(m_opts.ca_file.c_str());
  h.enable_server_certificate_verification(!m_opts.insecure);
}

Client::~Client() = default;

Result<Reply> Client::call(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type) {
  if (!m_impl->http->is_valid()) {
    return Error::make(ErrorKind::kInvalid, "bad_address",
                       "--addr must look like http://HOST:PORT or https://HOST:PORT");
  }
  httplib::Headers headers;
  if (!m_opts.admin_token.empty()) headers.emplace("X-Secu-Admin-Token", m_opts.admin_token);
  if (!m_opts.bearer.empty()) headers.emplace("Authorization", "Bearer " + m_opts.bearer);
  for (const auto& [k, v] : m_opts.extra_headers)
    headers.emplace(k, v);
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = std::move(headers);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body = body;
    req.set_header("Content-Type", content_type);
  }
  auto res = m_impl->http->send(req);
  if (!res) {
    const auto err = res.error();
    if (err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout) {
      return Error::make(ErrorKind::kUnavailable, "unreachable",
                         "cannot reach secud at " + m_opts.addr + " (is it running?)");
    }
    if (err == httplib::Error::SSLServerVerification || err == httplib::Error::SSLConnection) {
      return Error::make(ErrorKind::kUnavailable, "unreachable",
                         "TLS to " + m_opts.addr + " failed (" + httplib::to_string(err) + ")");
    }
    return Error::make(ErrorKind::kUnavailable, "unreachable",
                       "request to " + m_opts.addr + " failed: " + httplib::to_string(err));
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

std::string url_encode(const std::string& s) {
  return percent_encode(s);
}

}  // namespace secu::cli
