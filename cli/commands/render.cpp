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
  cmd->add_flag("--all", o.all, "fetch every page (follows next_cursor)");
}

void add_dry_run_flag(CLI::App* cmd, Deps& d) {
  cmd->add_flag("--dry-run", d.global.dry_run,
                "validate on the server and show the result without storing anything");
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
                        const std::vector<Column>& columns, bool all) {
  auto r = call(d, "GET", path);
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return report_error(d, Error::internal("secud answered a non-JSON body"));
  if (all) {
    // The path's own cursor (if any) starts the walk; each page's next_cursor replaces it.
    std::string base = path;
    if (auto c = base.find("cursor="); c != std::string::npos) {
      const auto end = base.find('&', c);
      base.erase(c, end == std::string::npos ? std::string::npos : end - c + 1);
      while (!base.empty() && (base.back() == '&' || base.back() == '?'))
        base.pop_back();
    }
    const char sep = base.find('?') == std::string::npos ? '?' : '&';
    size_t pages = 1;
    while (j.contains("next_cursor") && j["next_cursor"].is_string()) {
      const auto cursor = j["next_cursor"].get<std::string>();
      if (d.stderr_tty)
        *d.err << "\r" << j[list_key].size() << " " << list_key << "…" << std::flush;
      auto next = call(d, "GET", base + sep + "cursor=" + url_encode(cursor));
      if (!next.ok()) return next.exit_code;
      auto page = nlohmann::json::parse(next.body, nullptr, false);
      if (page.is_discarded() || !page.is_object() || !page.contains(list_key))
        return report_error(d, Error::internal("secud answered a non-JSON body"));
      for (auto& item : page[list_key])
        j[list_key].push_back(std::move(item));
      if (page.contains("next_cursor")) {
        j["next_cursor"] = page["next_cursor"];
      } else {
        j.erase("next_cursor");
      }
      ++pages;
    }
    if (d.stderr_tty && pages > 1) *d.err << "\r\x1b[K" << std::flush;
  }
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
