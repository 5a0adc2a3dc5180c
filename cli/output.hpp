// Output for people and scripts: -o table (aligned, for people), -o json (the stable contract),
// -o csv (RFC 4180), -q (ids only, one per line, for $(…)). JSON is indented on a TTY and
// compact otherwise (one line per reply, like gh).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "deps.hpp"

namespace secu::cli {

struct Column {
  std::string header;  // "ID"
  std::string key;     // JSON key of the object ("id"); nested with '/': "org/name"
};

// Prints one object: json as is; table as KEY: value lines of `columns` (all fields when empty).
void print_object(Deps& d, const nlohmann::json& obj, const std::vector<Column>& columns,
                  const std::string& id_key = "id");
// Prints a list: json as the whole reply; table with headers; csv; -q ids.
void print_list(Deps& d, const nlohmann::json& reply, const std::string& list_key,
                const std::vector<Column>& columns, const std::string& id_key = "id");
// A cell's text: strings as is, numbers and bools in JSON form, absent as "".
std::string cell_text(const nlohmann::json& obj, const std::string& key);
std::string csv_escape(const std::string& cell);

}  // namespace secu::cli
