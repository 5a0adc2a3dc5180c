#include "server/http.hpp"

#include <httplib.h>

#include <cctype>

#include <nlohmann/json.hpp>

#include "secu/json_body.hpp"
#include "server/app.hpp"

namespace secu::daemon {

namespace {

// Error codes whose HTTP status no ErrorKind carries (kInvalid would answer 400).
int status_of(const Error& e) {
  if (e.code == "unsupported_media_type") return 415;
  return http_status(e.kind);
}

// Whether a Content-Type names JSON: application/json or application/<x>+json, any parameters.
bool is_json_media_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  std::string type(value);
  for (auto& c : type)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json" || (type.rfind("application/", 0) == 0 && type.size() > 17 &&
                                        type.compare(type.size() - 5, 5, "+json") == 0);
}

}  // namespace

audit::Entry Ctx::audit_entry(std::string action, std::string target, std::string org_id,
                              nlohmann::json details) const {
  audit::Entry e;
  e.org_id = std::move(org_id);
  e.actor = {m_principal.actor_type(), m_principal.actor_id()};
  e.action = std::move(action);
  e.target = std::move(target);
  e.details = std::move(details);
  e.request_id = m_request_id;
  return e;
}

void Ctx::write(const std::function<Status(store::WriteTx&)>& fn) {
  if (!m_dry_run) {
    unwrap(m_app.store().write(fn));
    return;
  }
  // The job's own error wins; success is turned into an error so the store rolls the
  // savepoint back (audit entry included) and nothing reaches the commit.
  bool job_ok = false;
  auto st = m_app.store().write([&](store::WriteTx& tx) -> Status {
    SECU_TRY_VOID(fn(tx));
    job_ok = true;
    return Error::make(ErrorKind::kConflict, "dry_run_rolled_back", "dry run");
  });
  if (job_ok) return;
  unwrap(std::move(st));
}

void Ctx::read(const std::function<Status(store::Db&)>& fn) {
  unwrap(m_app.store().read(fn));
}

const std::string& Ctx::method() const {
  return m_req.method;
}
const std::string& Ctx::path() const {
  return m_req.path;
}
const std::string& Ctx::body() const {
  return m_req.body;
}
std::string Ctx::remote_addr() const {
  return m_req.remote_addr;
}

std::optional<std::string> Ctx::query(const std::string& name) const {
  if (!m_req.has_param(name.c_str())) return std::nullopt;
  return m_req.get_param_value(name.c_str());
}

std::string Ctx::header(const std::string& name) const {
  return m_req.get_header_value(name.c_str());
}

nlohmann::json Ctx::json_body() const {
  // A body sent as a form or text is refused, not guessed at; no Content-Type at all is taken
  // as JSON (HTTP/1.1 lets a client leave it out).
  if (m_req.has_header("Content-Type") &&
      !is_json_media_type(m_req.get_header_value("Content-Type"))) {
    fail(Error{ErrorKind::kInvalid,
               "unsupported_media_type",
               "the body must be JSON (Content-Type: application/json)",
               {},
               {}});
  }
  if (m_req.body.empty())
    fail(Error::make(ErrorKind::kInvalid, "invalid_json", "a JSON body is required"));
  return unwrap(json::parse_body(m_req.body));
}

void Ctx::reply(int status, const nlohmann::json& body) {
  if (m_dry_run && status < 300) {
    // Nothing was created: 200, and the body says it was a dry run.
    m_res.status = 200;
    nlohmann::json marked = body;
    if (marked.is_object()) marked["dry_run"] = true;
    m_res.set_header("Secu-Dry-Run", "true");
    m_res.set_content(marked.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      "application/json");
    return;
  }
  m_res.status = status;
  m_res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
}

void Ctx::reply_text(int status, std::string body, const char* content_type) {
  m_res.status = status;
  m_res.set_content(std::move(body), content_type);
}

void Ctx::set_header(const std::string& name, const std::string& value) {
  m_res.set_header(name.c_str(), value);
}

void Ctx::reply_error(const Error& e) {
  m_res.status = status_of(e);
  m_res.set_content(error_body(e, m_request_id), "application/json");
}

std::string error_body(const Error& e, const std::string& request_id) {
  nlohmann::json err = {{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  for (const auto& [k, v] : e.extra)
    err[k] = v;
  if (!request_id.empty()) err["request_id"] = request_id;
  return nlohmann::json{{"error", err}}.dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

}  // namespace secu::daemon
