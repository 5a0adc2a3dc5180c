// secuctl's HTTP client: one call, one reply; transport failures become exit 6.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "secu/result.hpp"

namespace secu::cli {

struct Reply {
  int status = 0;
  std::string body;
  std::string request_id;
  std::string content_type;
  std::multimap<std::string, std::string> headers;
  bool ok() const { return status >= 200 && status < 300; }
};

struct ClientOptions {
  std::string addr;         // http://127.0.0.1:8787 or https://…
  std::string admin_token;  // sent as X-Secu-Admin-Token
  std::string bearer;       // sent as Authorization: Bearer …
  std::string ca_file;
  bool insecure = false;
  int timeout_s = 60;
  // Sent with every call (secuctl gateway test: X-Secu-Action, X-Secu-Cost-USD, …).
  std::multimap<std::string, std::string> extra_headers;
};

// Transport failures are ErrorKind::kUnavailable (secuctl exit 6): code "unreachable" when
// nothing answers at addr, "tls_verify_failed" when secud's certificate is not trusted (or does
// not name the host), "tls_failed" when the TLS handshake fails otherwise.
class Client {
 public:
  explicit Client(ClientOptions opts);
  ~Client();
  Result<Reply> call(const std::string& method, const std::string& path,
                     const std::string& body = {},
                     const std::string& content_type = "application/json");
  // Streams the response body to `on_data` (a backup can be larger than memory). `on_head`
  // sees the status and headers first and may refuse (false cuts the transfer). A non-2xx
  // body is not streamed: it comes back in the Reply (capped), for report_reply_error.
  using HeadFn = std::function<bool(const Reply&)>;
  using DataFn = std::function<bool(const char*, size_t)>;
  Result<Reply> stream(const std::string& method, const std::string& path, const HeadFn& on_head,
                       const DataFn& on_data);
  const ClientOptions& options() const { return m_opts; }

 private:
  struct Impl;
  ClientOptions m_opts;
  std::unique_ptr<Impl> m_impl;
};

// Percent-encodes a query or path component.
std::string url_encode(const std::string& s);

}  // namespace secu::cli
