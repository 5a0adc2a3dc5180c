// secuctl's HTTP client: one call, one reply; transport failures become exit 6.
#pragma once

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

// ErrorKind::kUnavailable with code "unreachable" when nothing answers at addr.
class Client {
 public:
  explicit Client(ClientOptions opts);
  ~Client();
  Result<Reply> call(const std::string& method, const std::string& path,
                     const std::string& body = {},
                     const std::string& content_type = "application/json");
  const ClientOptions& options() const { return m_opts; }

 private:
  struct Impl;
  ClientOptions m_opts;
  std::unique_ptr<Impl> m_impl;
};

// Percent-encodes a query or path component.
std::string url_encode(const std::string& s);

}  // namespace secu::cli
