#include "commands/render.hpp"

#include <istream>
#include <ostream>
#include <sstream>

#include "client.hpp"
#include "secu/files.hpp"

namespace secu::cli {

void add_list_options(CLI::App* cmd, ListOptions& o) {
  cmd->add_option("--org", o.org, "org id (platform admin: filter; others: their own)");
  cmd->add_option("--limit", o.limit, "rows per page (1-1000, default 100)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--cursor", o.cursor, "continue after the previous page's next_cursor");
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "?" : "&") + k + "=" + url_encode(v);
  }
  return q;
}

std::string list_query(const ListOptions& o,
                       std::vector<std::pair<std::string, std::string>> extra) {
  extra.emplace_back("org_id", o.org);
  extra.emplace_back("limit", o.limit > 0 ? std::to_string(o.limit) : "");
  extra.emplace_back("cursor", o.cursor);
  return query_string(extra);
}

int call_and_print(Deps& d, const std::string& method, const std::string& path,
                   const nlohmann::json& body, const std::vector<Column>& columns,
                   const std::string& id_key) {
  auto r = call(d, method, path, body.is_null() ? std::string() : body.dump());
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  print_object(d, j, columns, id_key);
  return kExitOk;
}

int call_and_print_list(Deps& d, const std::string& path, const std::string& list_key,
                        const std::vector<Column>& columns) {
  auto r = call(d, "GET", path);
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  print_list(d, j, list_key, columns);
  return kExitOk;
}

bool confirm(Deps& d, const std::string& question, bool yes) {
  if (yes) return true;
  if (!d.stdin_tty || !d.stdout_tty) {
    report_error(d, Error::invalid("refusing without a terminal to confirm; pass --yes"));
    return false;
  }
  *d.out << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(*d.in, answer);
  if (answer == "y" || answer == "Y" || answer == "yes") return true;
  *d.err << "secuctl: cancelled\n";
  return false;
}

Result<std::string> read_secret(Deps& d, const std::string& file, const char* what) {
  std::string text;
  if (!file.empty() && file != "-") {
    SECU_TRY(text, files::read_all(file));
  } else {
    if (d.stdin_tty) {
      return Error::invalid(std::string("pass the ") + what + " with --" + std::string(what) +
                            "-file FILE or on stdin");
    }
    std::ostringstream ss;
    ss << d.in->rdbuf();
    text = ss.str();
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.empty()) return Error::invalid(std::string(what) + " is empty");
  return text;
}

}  // namespace secu::cli
