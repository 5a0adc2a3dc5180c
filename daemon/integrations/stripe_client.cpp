#include "integrations/stripe_client.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <regex>

#include "gateway/upstream.hpp"
#include "secu/files.hpp"
#include "secu/log.hpp"
#include "server/config.hpp"

namespace secu::daemon {

namespace {

using gateway::detail::encode_component;

// Stripe's libraries send brackets literally (stripe-node: qs.stringify, then %5B/%5D put
// back); every other reserved character is percent-encoded.
std::string encode_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '[' || c == ']') {
      out += c;
    } else {
      out += encode_component(std::string_view(&c, 1));
    }
  }
  return out;
}

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();  // numbers: integers as written, floats in JSON form
}

void encode_into(std::string& out, const std::string& prefix, const nlohmann::json& v) {
  if (v.is_null()) return;
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      encode_into(out, prefix.empty() ? k : prefix + "[" + k + "]", child);
    }
    return;
  }
  if (v.is_array()) {
    // Stripe reads an empty array as "unset this list": key= with no value.
    if (v.empty()) {
      if (!out.empty()) out += '&';
      out += encode_key(prefix) + "=";
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      encode_into(out, prefix + "[" + std::to_string(i) + "]", v[i]);
    }
    return;
  }
  if (!out.empty()) out += '&';
  out += encode_key(prefix) + "=" + encode_component(scalar_text(v));
}

// The secret key: the key file (read now, so rotation needs no restart) or the env variable.
Result<std::string> secret_key(const StripeSettings& s) {
  std::string key;
  if (!s.secret_key_file.empty()) {
    auto text = files::read_all(s.secret_key_file);
    if (!text.ok()) {
      log::error("stripe secret key file cannot be read", {{"option", "stripe_secret_key_file"}});
      return Error::make(ErrorKind::kInvalid, "stripe_not_configured",
                         "the Stripe secret key file cannot be read");
    }
    key = *text;
  } else if (const char* e = std::getenv(kStripeSecretKeyEnv); e && *e) {
    key = e;
  }
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
    key.pop_back();
  }
  if (key.empty()) {
    return Error::make(ErrorKind::kInvalid, "stripe_not_configured",
                       "Stripe is not configured (--stripe-secret-key-file or " +
                           std::string(kStripeSecretKeyEnv) + ")");
  }
  // A key with a line break would split the Authorization header.
  if (key.find_first_of("\r\n\t ") != std::string::npos) {
    return Error::make(ErrorKind::kInvalid, "stripe_not_configured",
                       "the Stripe secret key holds whitespace");
  }
  return key;
}

Error transport_error(httplib::Error e, bool timed_out) {
  switch (e) {
    case httplib::Error::ConnectionTimeout:
      return Error::make(ErrorKind::kTimeout, "stripe_timeout",
                         "Stripe did not accept the connection in time");
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return Error::make(ErrorKind::kUpstream, "stripe_unreachable", "Stripe could not be reached");
    default:
      if (timed_out) {
        return Error::make(ErrorKind::kTimeout, "stripe_timeout", "Stripe did not answer in time");
      }
      return Error::make(ErrorKind::kUpstream, "stripe_unreachable",
                         "the connection to Stripe broke off");
  }
}

}  // namespace

std::string form_encode(const nlohmann::json& params) {
  std::string out;
  if (params.is_object()) encode_into(out, "", params);
  return out;
}

std::string mask_stripe_keys(std::string_view text) {
  static const std::regex kKey(R"((sk|rk|pk)_(live|test)_[A-Za-z0-9_*]+)");
  return std::regex_replace(std::string(text), kKey, "[redacted]");
}

Error stripe_error(int status, std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_object()) {
    Error e =
        Error::make(ErrorKind::kUpstream, "stripe_bad_response",
                    "Stripe answered HTTP " + std::to_string(status) + " without an error object");
    e.extra["stripe_status"] = std::to_string(status);
    return e;
  }
  const auto& o = j["error"];
  auto field = [&](const char* name) -> std::string {
    auto it = o.find(name);
    return it != o.end() && it->is_string() ? mask_stripe_keys(it->get<std::string>()) : "";
  };
  const std::string message = field("message");
  Error e = Error::make(ErrorKind::kUpstream, "stripe_error",
                        "Stripe: " + (message.empty() ? "request failed" : message));
  e.extra["stripe_status"] = std::to_string(status);
  for (const char* name : {"type", "code", "decline_code", "param"}) {
    if (auto v = field(name); !v.empty()) e.extra[std::string("stripe_") + name] = v;
  }
  return e;
}

Result<StripeClient> StripeClient::from_config(const Config& c) {
  StripeSettings s;
  s.api_base = c.stripe_api_base;
  s.secret_key_file = c.stripe_secret_key_file;
  s.timeout_s = c.stripe_timeout_s;
  // Checked now, before the caller writes anything: a missing or unreadable key is a 400 with
  // nothing written, not a half-made invoice. (send() reads it again: it may rotate.)
  if (auto key = secret_key(s); !key.ok()) return key.take_error();
  auto origin = gateway::detail::parse_base_url(s.api_base);
  if (!origin.ok()) {
    return Error::make(ErrorKind::kInvalid, "stripe_misconfigured",
                       "stripe_api_base must be an http(s) URL");
  }
  return StripeClient(std::move(s));
}

Result<nlohmann::json> StripeClient::post(std::string_view path, const nlohmann::json& params,
                                          const std::string& idempotency_key) const {
  if (idempotency_key.empty()) return Error::internal("a Stripe POST needs an idempotency key");
  return send("POST", path, form_encode(params), idempotency_key);
}

Result<nlohmann::json> StripeClient::get(std::string_view path, const nlohmann::json& query) const {
  std::string p(path);
  if (const auto q = form_encode(query); !q.empty()) p += "?" + q;
  return send("GET", p, {}, {});
}

Result<nlohmann::json> StripeClient::send(const char* method, std::string_view path,
                                          const std::string& body,
                                          const std::string& idempotency_key) const {
  SECU_TRY(auto key, secret_key(m_settings));
  SECU_TRY(auto origin, gateway::detail::parse_base_url(m_settings.api_base));
  httplib::Client client(origin.key());
  client.set_tcp_nodelay(true);
  client.set_keep_alive(false);
  client.set_follow_location(false);
  client.set_connection_timeout(static_cast<time_t>(m_settings.timeout_s), 0);
  client.set_read_timeout(static_cast<time_t>(m_settings.timeout_s), 0);
  client.set_write_timeout(static_cast<time_t>(m_settings.timeout_s), 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + key},
                              {"Stripe-Version", kStripeVersion},
                              {"Accept", "application/json"},
                              {"User-Agent", "secud"}};
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  const std::string target = origin.base_path + std::string(path);
  const auto started = std::chrono::steady_clock::now();
  httplib::Result res =
      std::string_view(method) == "POST"
          ? client.Post(target, headers, body, "application/x-www-form-urlencoded")
          : client.Get(target, headers);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  if (!res) {
    const bool timed_out =
        elapsed >= std::chrono::seconds(m_settings.timeout_s) - std::chrono::milliseconds(100);
    const Error e = transport_error(res.error(), timed_out);
    log::warn("stripe call failed", {{"method", method}, {"code", e.code}});
    return e;
  }
  if (res->status >= 400) {
    Error e = stripe_error(res->status, res->body);
    log::warn("stripe answered an error",
              {{"method", method},
               {"status", static_cast<int64_t>(res->status)},
               {"stripe_code", e.extra.count("stripe_code") ? e.extra["stripe_code"] : ""}});
    return e;
  }
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error::make(ErrorKind::kUpstream, "stripe_bad_response",
                       "Stripe answered something that is not a JSON object");
  }
  return j;
}

}  // namespace secu::daemon
