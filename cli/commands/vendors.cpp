// secuctl vendors create|list|get|rotate-key|delete. The api key comes from --api-key-file or
// stdin, never from argv (where ps and shell history would show it).
#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kVendorColumns = {
    {"ID", "id"},          {"NAME", "name"},          {"BASE URL", "base_url"},
    {"AUTH", "auth_type"}, {"HEADER", "header_name"}, {"API KEY", "api_key"},
    {"ORG", "org_id"},
};

struct VendorsCreateOptions {
  std::string org, name, base_url, auth_type = "bearer", header_name, api_key_file;
};

int vendors_create_run(const VendorsCreateOptions& o, Deps& d) {
  auto key = read_secret(d, o.api_key_file, "api-key");
  if (!key.ok()) return report_error(d, key.error());
  nlohmann::json body = {
      {"name", o.name}, {"base_url", o.base_url}, {"auth_type", o.auth_type}, {"api_key", *key}};
  if (!o.org.empty()) body["org_id"] = o.org;
  if (!o.header_name.empty()) body["header_name"] = o.header_name;
  return call_and_print(d, "POST", "/v1/vendors", body, kVendorColumns);
}

struct VendorsRotateKeyOptions {
  std::string id, api_key_file;
};

int vendors_rotate_key_run(const VendorsRotateKeyOptions& o, Deps& d) {
  auto key = read_secret(d, o.api_key_file, "api-key");
  if (!key.ok()) return report_error(d, key.error());
  return call_and_print(d, "POST", "/v1/vendors/" + url_encode(o.id) + "/rotate-key",
                        {{"api_key", *key}}, kVendorColumns);
}

}  // namespace

void add_vendors_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* vendors = app.add_subcommand("vendors", "Manage upstream vendors and their credentials");
  vendors->require_subcommand(1);

  auto co = std::make_shared<VendorsCreateOptions>();
  auto* create = vendors->add_subcommand(
      "create",
      "Create a vendor\n  secuctl vendors create --name openai --base-url https://api.openai.com "
      "--api-key-file key.txt");
  create->add_option("--name", co->name, "vendor name")->required();
  create->add_option("--base-url", co->base_url, "http(s) base URL of the upstream API")
      ->required();
  create->add_option("--auth-type", co->auth_type, "bearer, header, basic or query")
      ->check(CLI::IsMember({"bearer", "header", "basic", "query"}));
  create->add_option("--header-name", co->header_name,
                     "header (auth-type header) or query parameter (auth-type query)");
  create->add_option("--api-key-file", co->api_key_file,
                     "file holding the vendor's api key (default: read stdin)");
  create->add_option("--org", co->org, "org id (platform admin)");
  add_dry_run_flag(create, d);
  calls(create, {"POST /v1/vendors"});
  create->callback([co, &d, &rs] { rs.run = [co, &d] { return vendors_create_run(*co, d); }; });

  auto lo = std::make_shared<ListOptions>();
  auto* list = vendors->add_subcommand("list", "List vendors");
  add_list_options(list, *lo);
  calls(list, {"GET /v1/vendors"});
  list->callback([lo, &d, &rs] {
    rs.run = [lo, &d] {
      return call_and_print_list(d, "/v1/vendors" + list_query(*lo), "vendors", kVendorColumns,
                                 lo->all);
    };
  });

  auto gid = std::make_shared<std::string>();
  auto* get = vendors->add_subcommand("get", "Show a vendor (api key masked)");
  get->add_option("vendor_id", *gid, "vendor id")->required();
  calls(get, {"GET /v1/vendors/{id}"});
  get->callback([gid, &d, &rs] {
    rs.run = [gid, &d] {
      return call_and_print(d, "GET", "/v1/vendors/" + url_encode(*gid), nullptr, kVendorColumns);
    };
  });

  auto ro = std::make_shared<VendorsRotateKeyOptions>();
  auto* rotate = vendors->add_subcommand(
      "rotate-key",
      "Replace a vendor's api key; the next gateway call uses it\n  secuctl vendors rotate-key "
      "VENDOR_ID --api-key-file new-key.txt");
  rotate->add_option("vendor_id", ro->id, "vendor id")->required();
  rotate->add_option("--api-key-file", ro->api_key_file,
                     "file holding the new api key (default: read stdin)");
  calls(rotate, {"POST /v1/vendors/{id}/rotate-key"});
  rotate->callback([ro, &d, &rs] { rs.run = [ro, &d] { return vendors_rotate_key_run(*ro, d); }; });

  auto did = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  auto* del = vendors->add_subcommand("delete", "Delete a vendor that has no active keys");
  del->add_option("vendor_id", *did, "vendor id")->required();
  del->add_flag("-y,--yes", *yes, "do not ask for confirmation");
  calls(del, {"DELETE /v1/vendors/{id}"});
  del->callback([did, yes, &d, &rs] {
    rs.run = [did, yes, &d] {
      if (!confirm(d, "Delete vendor " + *did + "?", *yes)) return kExitUsage;
      return call_and_print(d, "DELETE", "/v1/vendors/" + url_encode(*did), nullptr,
                            kVendorColumns);
    };
  });
}

}  // namespace secu::cli
