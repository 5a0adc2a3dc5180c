// The request context a handler sees. Keeps httplib out of the API files: they include this
// header, which only forward-declares httplib's Request and Response.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secu/audit.hpp"
#include "secu/result.hpp"
#include "secu/store.hpp"
#include "server/principal.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace secu::daemon {

class App;

// Thrown by Ctx::fail / unwrap and rendered by the dispatcher in the error format; handlers use
// it to leave early with a typed error instead of threading Results through rendering code.
struct HttpError {
  Error error;
};

class Ctx {
 public:
  Ctx(App& app, const httplib::Request& req, httplib::Response& res, std::string request_id,
      std::vector<std::string> params)
      : m_app(app),
        m_req(req),
        m_res(res),
        m_request_id(std::move(request_id)),
        m_params(std::move(params)) {}

  App& app() { return m_app; }
  const std::string& request_id() const { return m_request_id; }
  Principal& principal() { return m_principal; }
  const Principal& principal() const { return m_principal; }

  const std::string& method() const;
  const std::string& path() const;
  // The i-th {param} of the route's path, in order (URL-decoded by httplib).
  const std::string& param(size_t i) const { return m_params.at(i); }
  std::optional<std::string> query(const std::string& name) const;
  std::string header(const std::string& name) const;
  const std::string& body() const;
  std::string remote_addr() const;

  // Parses the body (json::parse_body: nesting, duplicate keys), or throws 400; a body with a
  // Content-Type other than JSON throws 415 unsupported_media_type.
  nlohmann::json json_body() const;

  void reply(int status, const nlohmann::json& body);
  void reply_text(int status, std::string body, const char* content_type);
  void set_header(const std::string& name, const std::string& value);
  // Renders an error in the format of DESIGN.md (adds request_id).
  void reply_error(const Error& e);

  // An audit entry for this request: actor from the principal, request id, org, action.
  audit::Entry audit_entry(std::string action, std::string target, std::string org_id,
                           nlohmann::json details) const;
  // Runs `fn` as one write job (its own savepoint in a group commit) and returns once committed;
  // throws HttpError (rendered by the dispatcher) when the job or the commit failed. In a dry
  // run the job runs in full (every check, every constraint) and is then rolled back.
  void write(const std::function<Status(store::WriteTx&)>& fn);
  // ?dry_run=true on a route that allows it (set by the dispatcher).
  bool dry_run() const { return m_dry_run; }
  void set_dry_run(bool on) { m_dry_run = on; }
  // Runs `fn` on a read connection; throws HttpError on failure.
  void read(const std::function<Status(store::Db&)>& fn);

  [[noreturn]] static void fail(Error e) { throw HttpError{std::move(e)}; }
  template <typename T>
  static T unwrap(Result<T> r) {
    if (!r.ok()) fail(r.take_error());
    return std::move(r).value();
  }
  static void unwrap(Status r) {
    if (!r.ok()) fail(r.take_error());
  }

  const httplib::Request& raw_request() const { return m_req; }
  httplib::Response& raw_response() { return m_res; }

 private:
  App& m_app;
  const httplib::Request& m_req;
  httplib::Response& m_res;
  std::string m_request_id;
  std::vector<std::string> m_params;
  Principal m_principal;
  bool m_dry_run = false;
};

// The error body {"error":{code,message,field?,request_id,…extra}} as a JSON string.
std::string error_body(const Error& e, const std::string& request_id);

}  // namespace secu::daemon
