// secuctl orgs list|create, users list|create.
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "commands/render.hpp"
#include "output.hpp"
#include "prompt.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kOrgColumns = {{"ID", "id"}, {"NAME", "name"}, {"CREATED", "created_at"}};
const std::vector<Column> kUserColumns = {{"ID", "id"},
                                          {"EMAIL", "email"},
                                          {"ROLE", "role"},
                                          {"VERIFIED", "email_verified"},
                                          {"ORG", "org_id"},
                                          {"CREATED", "created_at"},
                                          {"LAST LOGIN", "last_login_at"}};

int print_reply_object(Deps& d, const CallResult& r, const std::vector<Column>& cols) {
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  print_object(d, j, cols);
  return kExitOk;
}

struct UserCreateOptions {
  std::string email;
  std::string role;
  std::string org_id;
  bool password_stdin = false;
};

int users_create_run(const UserCreateOptions& o, Deps& d) {
  auto password = read_secret(d, "Password for " + o.email, o.password_stdin, /*confirm=*/true);
  if (!password.ok()) return report_error(d, password.error());
  nlohmann::json body = {{"email", o.email}, {"password", *password}};
  if (!o.role.empty()) body["role"] = o.role;
  if (!o.org_id.empty()) body["org_id"] = o.org_id;
  return print_reply_object(d, call(d, "POST", "/v1/users", body.dump()), kUserColumns);
}

}  // namespace

void add_orgs_users_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* orgs = app.add_subcommand("orgs", "Orgs (tenants)");
  orgs->require_subcommand(1);
  auto ol = std::make_shared<ListOptions>();
  auto* orgs_list =
      orgs->add_subcommand("list", "List the orgs you can see (the platform admin: all)");
  orgs_list->add_option("--limit", ol->limit, "rows per page (1-1000, default 100)")
      ->check(CLI::Range(1, 1000));
  orgs_list->add_option("--cursor", ol->cursor, "continue after the previous page's next_cursor");
  orgs_list->add_flag("--all", ol->all, "fetch every page (follows next_cursor)");
  calls(orgs_list, {"GET /v1/orgs"});
  orgs_list->callback([ol, &d, &rs] {
    rs.run = [ol, &d] {
      return call_and_print_list(d, "/v1/orgs" + list_query(*ol), "orgs", kOrgColumns, ol->all);
    };
  });
  auto name = std::make_shared<std::string>();
  auto* orgs_create = orgs->add_subcommand("create",
                                           "Create an org (platform admin)\n"
                                           "  secuctl orgs create \"Acme Robotics\"");
  // Positional or --name, like every other create.
  orgs_create->add_option("name,--name", *name, "the org's name")->required();
  calls(orgs_create, {"POST /v1/orgs"});
  orgs_create->callback([name, &d, &rs] {
    rs.run = [name, &d] {
      return print_reply_object(
          d, call(d, "POST", "/v1/orgs", nlohmann::json{{"name", *name}}.dump()), kOrgColumns);
    };
  });

  auto org_id = std::make_shared<std::string>();
  auto* orgs_get = orgs->add_subcommand("get", "Show one org");
  orgs_get->add_option("id", *org_id, "the org's id")->required();
  calls(orgs_get, {"GET /v1/orgs/{id}"});
  orgs_get->callback([org_id, &d, &rs] {
    rs.run = [org_id, &d] {
      return print_reply_object(d, call(d, "GET", "/v1/orgs/" + url_encode(*org_id)), kOrgColumns);
    };
  });

  auto* users = app.add_subcommand("users", "Console users of an org");
  users->require_subcommand(1);
  auto ul = std::make_shared<ListOptions>();
  auto* users_list = users->add_subcommand("list",
                                           "List users (your org; the platform admin: "
                                           "all, or --org-id)");
  add_list_options(users_list, *ul);
  // --org-id: the flag's first name, kept for scripts written against it.
  users_list->add_option("--org-id", ul->org, "same as --org");
  calls(users_list, {"GET /v1/users"});
  users_list->callback([ul, &d, &rs] {
    rs.run = [ul, &d] {
      return call_and_print_list(d, "/v1/users" + list_query(*ul), "users", kUserColumns, ul->all);
    };
  });
  auto user_id = std::make_shared<std::string>();
  auto* users_get = users->add_subcommand("get", "Show one user");
  users_get->add_option("id", *user_id, "the user's id")->required();
  calls(users_get, {"GET /v1/users/{id}"});
  users_get->callback([user_id, &d, &rs] {
    rs.run = [user_id, &d] {
      return print_reply_object(d, call(d, "GET", "/v1/users/" + url_encode(*user_id)),
                                kUserColumns);
    };
  });
  auto uc = std::make_shared<UserCreateOptions>();
  auto* users_create = users->add_subcommand(
      "create",
      "Create a user (admin or owner of the org; never a role above your own)\n"
      "  secuctl users create --email ana@example.com --role approver   (asks for a password)");
  users_create->add_option("--email", uc->email, "the user's email (login name)")->required();
  users_create
      ->add_option("--role", uc->role,
                   "viewer, member (default), approver, admin, owner or platform_admin")
      ->check(CLI::IsMember({"viewer", "member", "approver", "admin", "owner", "platform_admin"}));
  users_create->add_option("--org-id", uc->org_id, "the org (default: yours)");
  users_create->add_flag("--password-stdin", uc->password_stdin,
                         "read the user's initial password from stdin");
  calls(users_create, {"POST /v1/users"});
  users_create->callback([uc, &d, &rs] { rs.run = [uc, &d] { return users_create_run(*uc, d); }; });
}

}  // namespace secu::cli
