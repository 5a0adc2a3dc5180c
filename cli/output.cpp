#include "output.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

namespace secu::cli {

std::string cell_text(const nlohmann::json& obj, const std::string& key) {
  const nlohmann::json* cur = &obj;
  size_t start = 0;
  while (true) {
    const auto slash = key.find('/', start);
    const std::string part = key.substr(start, slash == std::string::npos ? slash : slash - start);
    if (!cur->is_object() || !cur->contains(part)) return "";
    cur = &(*cur)[part];
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

std::string csv_escape(const std::string& cell) {
  std::string c = cell;
  // Formula injection: a spreadsheet would evaluate a cell starting with = + - @.
  if (!c.empty() && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@')) c = "'" + c;
  if (c.find_first_of(",\"\r\n") == std::string::npos) return c;
  std::string out = "\"";
  for (char ch : c) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  return out + "\"";
}

namespace {
void print_table(Deps& d, const std::vector<std::vector<std::string>>& rows, bool headers) {
  if (rows.empty()) return;
  std::vector<size_t> width(rows[0].size(), 0);
  const size_t max_cell = d.stdout_tty ? 60 : std::string::npos;  // truncate on a TTY only
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], std::min(r[i].size(), max_cell));
  for (size_t ri = headers ? 0 : 1; ri < rows.size(); ++ri) {
    const auto& r = rows[ri];
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string cell = r[i];
      if (cell.size() > max_cell) cell = cell.substr(0, max_cell - 1) + "…";
      line += cell;
      if (i + 1 < r.size())
        line += std::string(width[i] - std::min(cell.size(), width[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    // Escapes go around the padded line, so widths stay those of the visible text.
    if (ri == 0 && headers && d.color_out()) line = "\x1b[1m" + line + "\x1b[0m";
    *d.out << line << "\n";
  }
}
}  // namespace

void print_object(Deps& d, const nlohmann::json& obj, const std::vector<Column>& columns,
                  const std::string& id_key) {
  if (d.global.quiet) {
    *d.out << cell_text(obj, id_key) << "\n";
    return;
  }
  switch (d.format()) {
    case OutputFormat::kJson:
      *d.out << obj.dump(d.stdout_tty ? 2 : -1) << "\n";
      return;
    case OutputFormat::kCsv: {
      std::vector<Column> cols = columns;
      if (cols.empty() && obj.is_object())
        for (const auto& [k, v] : obj.items())
          cols.push_back({k, k});
      std::string head, row;
      for (size_t i = 0; i < cols.size(); ++i) {
        head += (i ? "," : "") + csv_escape(cols[i].key);
        row += (i ? "," : "") + csv_escape(cell_text(obj, cols[i].key));
      }
      if (!d.global.no_headers) *d.out << head << "\n";
      *d.out << row << "\n";
      return;
    }
    case OutputFormat::kTable: {
      std::vector<std::vector<std::string>> rows;
      rows.push_back({"FIELD", "VALUE"});
      if (columns.empty() && obj.is_object()) {
        for (const auto& [k, v] : obj.items())
          rows.push_back({k, cell_text(obj, k)});
      } else {
        for (const auto& c : columns) {
          auto text = cell_text(obj, c.key);
          if (!text.empty()) rows.push_back({c.header, text});
        }
      }
      print_table(d, rows, /*headers=*/false);
      return;
    }
  }
}

void print_list(Deps& d, const nlohmann::json& reply, const std::string& list_key,
                const std::vector<Column>& columns, const std::string& id_key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json& items =
      reply.is_object() && reply.contains(list_key) ? reply[list_key] : kEmpty;
  if (d.global.quiet) {
    for (const auto& it : items)
      *d.out << cell_text(it, id_key) << "\n";
    return;
  }
  switch (d.format()) {
    case OutputFormat::kJson:
      *d.out << reply.dump(d.stdout_tty ? 2 : -1) << "\n";
      return;
    case OutputFormat::kCsv: {
      if (!d.global.no_headers) {
        std::string head;
        for (size_t i = 0; i < columns.size(); ++i)
          head += (i ? "," : "") + csv_escape(columns[i].key);
        *d.out << head << "\n";
      }
      for (const auto& it : items) {
        std::string row;
        for (size_t i = 0; i < columns.size(); ++i)
          row += (i ? "," : "") + csv_escape(cell_text(it, columns[i].key));
        *d.out << row << "\n";
      }
      return;
    }
    case OutputFormat::kTable: {
      std::vector<std::vector<std::string>> rows;
      std::vector<std::string> head;
      for (const auto& c : columns)
        head.push_back(c.header);
      rows.push_back(head);
      for (const auto& it : items) {
        std::vector<std::string> r;
        for (const auto& c : columns)
          r.push_back(cell_text(it, c.key));
        rows.push_back(std::move(r));
      }
      print_table(d, rows, !d.global.no_headers);
      if (reply.is_object() && reply.contains("next_cursor") && reply["next_cursor"].is_string() &&
          d.stderr_tty) {
        *d.err << "more: --cursor " << reply["next_cursor"].get<std::string>() << "\n";
      }
      return;
    }
  }
}

}  // namespace secu::cli
