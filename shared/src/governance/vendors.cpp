#include "secu/clock.hpp"
#include "secu/governance.hpp"
#include "secu/store/keys.hpp"

namespace secu::governance {

namespace {

bool valid_header_name(const std::string& h) {
  if (h.empty() || h.size() > 128) return false;
  // RFC 9110 token characters.
  for (unsigned char c : h) {
    if (!(std::isalnum(c) ||
          std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  }
  return true;
}

audit::Entry entry(const audit::Entry& base, const store::VendorRow& v, const char* action,
                   nlohmann::json details) {
  audit::Entry e = base;
  e.org_id = v.org_id;
  e.action = action;
  e.target = v.id;
  e.details = std::move(details);
  return e;
}

}  // namespace

Result<std::string> validate_vendor(const VendorInput& in) {
  if (in.name.empty() || in.name.size() > 200)
    return Error::invalid("name must be 1 to 200 characters", "name");
  std::string url = in.base_url;
  const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
  if (!http && !https)
    return Error::invalid("base_url must start with http:// or https://", "base_url");
  const std::string rest = url.substr(http ? 7 : 8);
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (authority.empty() || authority.find('@') != std::string::npos ||
      authority.find_first_of(" \t\r\n\\") != std::string::npos)
    return Error::invalid("base_url must name a host (and no user:password@)", "base_url");
  if (url.find_first_of("#?") != std::string::npos ||
      url.find_first_of(" \t\r\n") != std::string::npos)
    return Error::invalid("base_url must not carry a query string or fragment", "base_url");
  if (url.size() > 2048) return Error::invalid("base_url is too long", "base_url");
  while (url.size() > (http ? 7u : 8u) && url.back() == '/')
    url.pop_back();

  if (in.auth_type != "bearer" && in.auth_type != "header" && in.auth_type != "basic" &&
      in.auth_type != "query")
    return Error::invalid("auth_type must be bearer, header, basic or query", "auth_type");
  if ((in.auth_type == "header" || in.auth_type == "query") &&
      (!in.header_name || !valid_header_name(*in.header_name)))
    return Error::invalid(in.auth_type == "header"
                              ? "header_name is required for auth_type header (e.g. X-Api-Key)"
                              : "header_name names the query parameter for auth_type query",
                          "header_name");
  if (in.header_name && !valid_header_name(*in.header_name))
    return Error::invalid("header_name must be a valid header name", "header_name");
  SECU_TRY_VOID(validate_vendor_api_key(in.api_key));
  return url;
}

Status validate_vendor_api_key(const std::string& api_key) {
  if (api_key.empty() || api_key.size() > 4096)
    return Error::invalid("api_key must be 1 to 4096 characters", "api_key");
  for (unsigned char c : api_key)
    if (c < 0x20 || c == 0x7f)
      return Error::invalid("api_key must not contain control characters", "api_key");
  return {};
}

void seal_api_key(store::VendorRow& v, const std::string& api_key,
                  const crypto::SecretBuffer& seal_key) {
  // Bound to the vendor id: a sealed key copied to another row fails to open.
  v.api_key_sealed = crypto::seal(seal_key, api_key, v.id);
  v.api_key_last4 = api_key.size() >= 8 ? api_key.substr(api_key.size() - 4) : "";
}

std::string masked_api_key(const store::VendorRow& v) {
  return "…" + v.api_key_last4;
}

Result<store::VendorRow> create_vendor(store::WriteTx& tx, const VendorInput& in,
                                       const crypto::SecretBuffer& seal_key,
                                       const audit::Entry& base) {
  SECU_TRY(auto url, validate_vendor(in));
  store::VendorRow v;
  v.id = crypto::random_id("vnd");
  v.org_id = in.org_id;
  v.name = in.name;
  v.base_url = url;
  v.auth_type = in.auth_type;
  v.header_name = in.header_name;
  seal_api_key(v, in.api_key, seal_key);
  v.created_at = v.updated_at = now_ms();
  SECU_TRY_VOID(store::insert_vendor(tx.db, v));
  nlohmann::json d = {{"name", v.name}, {"base_url", v.base_url}, {"auth_type", v.auth_type}};
  if (v.header_name) d["header_name"] = *v.header_name;
  SECU_TRY_VOID(audit::append(tx, entry(base, v, "vendor.create", d)));
  return v;
}

Result<store::VendorRow> delete_vendor(store::WriteTx& tx, const std::string& scope_org,
                                       const std::string& vendor_id, const audit::Entry& base) {
  SECU_TRY(auto found, store::get_vendor(tx.db, vendor_id));
  if (!found || found->deleted_at || (!scope_org.empty() && found->org_id != scope_org))
    return Error::not_found("vendor");
  SECU_TRY(int64_t active, store::count_active_keys_of_vendor(tx.db, vendor_id, now_ms()));
  if (active > 0) {
    return Error::conflict("vendor_in_use", "the vendor has " + std::to_string(active) +
                                                " active key(s); revoke them first");
  }
  store::VendorRow v = std::move(*found);
  v.deleted_at = v.updated_at = now_ms();
  SECU_TRY_VOID(store::update_vendor(tx.db, v));
  SECU_TRY_VOID(audit::append(tx, entry(base, v, "vendor.delete", {{"name", v.name}})));
  return v;
}

Result<store::VendorRow> rotate_vendor_api_key(store::WriteTx& tx, const std::string& scope_org,
                                               const std::string& vendor_id,
                                               const std::string& api_key,
                                               const crypto::SecretBuffer& seal_key,
                                               const audit::Entry& base) {
  SECU_TRY_VOID(validate_vendor_api_key(api_key));
  SECU_TRY(auto found, store::get_vendor(tx.db, vendor_id));
  if (!found || found->deleted_at || (!scope_org.empty() && found->org_id != scope_org))
    return Error::not_found("vendor");
  store::VendorRow v = std::move(*found);
  const std::string old_last4 = v.api_key_last4;
  seal_api_key(v, api_key, seal_key);
  v.updated_at = now_ms();
  SECU_TRY_VOID(store::update_vendor(tx.db, v));
  // The masks only ("…abcd"): enough to tell the two keys apart, nothing of either secret.
  // (Named "mask": the audit redactor blanks any field named like a secret, masks included.)
  SECU_TRY_VOID(audit::append(
      tx, entry(base, v, "vendor.rotate_key",
                {{"name", v.name}, {"old_mask", "…" + old_last4}, {"mask", masked_api_key(v)}})));
  return v;
}

}  // namespace secu::governance
