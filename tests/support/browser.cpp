#include "browser.hpp"
#include "secu/percent.hpp"

#include <regex>
#include <stdexcept>

namespace secu::test {

namespace {

std::string path_of(const std::string& url) {
  std::string t = target_of(url);
  const auto q = t.find('?');
  return q == std::string::npos ? t : t.substr(0, q);
}

std::string html_unescape(std::string s) {
  const std::pair<const char*, const char*> ents[] = {{"&amp;", "&"}, {"&quot;", "\""},
                                                      {"&#39;", "'"}, {"&lt;", "<"},
                                                      {"&gt;", ">"},  {"&#x2F;", "/"}};
  for (const auto& [from, to] : ents) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + 1))
      s.replace(p, std::string(from).size(), to);
  }
  return s;
}

std::string attr(const std::string& tag, const std::string& name) {
  const std::regex re("\\b" + name + "=\"([^\"]*)\"", std::regex::icase);
  std::smatch m;
  return std::regex_search(tag, m, re) ? html_unescape(m[1]) : std::string();
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const auto slash = url.find_first_of("/?", scheme + 3);
  return url.substr(0, slash);
}

std::string target_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find_first_of("/?", scheme + 3);
  if (slash == std::string::npos) return "/";
  std::string t = url.substr(slash);
  if (const auto hash = t.find('#'); hash != std::string::npos) t.erase(hash);
  return t.front() == '?' ? "/" + t : t;
}

std::string resolve_url(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  if (!location.empty() && location.front() == '/') return origin_of(base) + location;
  std::string dir = path_of(base);
  dir = dir.substr(0, dir.rfind('/') + 1);
  return origin_of(base) + dir + location;
}

std::string form_encode(const std::string& s) {
  return percent_encode(s);
}

std::string query_param(const std::string& url, const std::string& name) {
  const auto q = url.find('?');
  if (q == std::string::npos) return {};
  std::string query = url.substr(q + 1);
  if (const auto hash = query.find('#'); hash != std::string::npos) query.erase(hash);
  size_t i = 0;
  while (i <= query.size()) {
    auto amp = query.find('&', i);
    if (amp == std::string::npos) amp = query.size();
    const std::string pair = query.substr(i, amp - i);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      std::string v = eq == std::string::npos ? "" : pair.substr(eq + 1), out;
      for (size_t k = 0; k < v.size(); ++k) {
        if (v[k] == '%' && k + 2 < v.size() && hexval(v[k + 1]) >= 0 && hexval(v[k + 2]) >= 0) {
          out += static_cast<char>(hexval(v[k + 1]) * 16 + hexval(v[k + 2]));
          k += 2;
        } else {
          out += v[k] == '+' ? ' ' : v[k];
        }
      }
      return out;
    }
    i = amp + 1;
  }
  return {};
}

void Browser::store_cookies(const Response& r, const std::string& url) {
  for (const auto& [k, v] : r.headers) {
    if (k != "Set-Cookie" && k != "set-cookie") continue;
    const auto semi = v.find(';');
    const std::string nv = v.substr(0, semi);
    const auto eq = nv.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = nv.substr(0, eq);
    const std::string value = nv.substr(eq + 1);
    std::string lower = v;
    for (auto& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string path;
    if (const auto p = lower.find("; path="); p != std::string::npos) {
      const auto end = v.find(';', p + 7);
      path = v.substr(p + 7, end == std::string::npos ? std::string::npos : end - p - 7);
    } else {
      path = path_of(url);
      path = path.substr(0, std::max<size_t>(1, path.rfind('/')));
    }
    const bool deleted = lower.find("expires=thu, 01 jan 1970") != std::string::npos ||
                         lower.find("max-age=0") != std::string::npos || value.empty();
    if (deleted) {
      m_jar.erase({name, path});
    } else {
      m_jar[{name, path}] = {value};
    }
  }
}

std::string Browser::cookie_header(const std::string& url) const {
  const std::string path = path_of(url);
  std::string out;
  for (const auto& [key, c] : m_jar) {
    const std::string& cp = key.second;
    const bool match = path.rfind(cp, 0) == 0 &&
                       (path.size() == cp.size() || cp.back() == '/' || path[cp.size()] == '/');
    if (!match) continue;
    if (!out.empty()) out += "; ";
    out += key.first + "=" + c.value;
  }
  return out;
}

Response Browser::get(const std::string& url) {
  m_visited.push_back(url);
  Headers h;
  if (auto c = cookie_header(url); !c.empty()) h.emplace_back("Cookie", c);
  auto r = http(origin_of(url), "GET", target_of(url), "", h);
  store_cookies(r, url);
  return r;
}

Response Browser::post_form(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& fields) {
  m_visited.push_back(url);
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) body += '&';
    body += form_encode(k) + "=" + form_encode(v);
  }
  Headers h;
  if (auto c = cookie_header(url); !c.empty()) h.emplace_back("Cookie", c);
  auto r =
      http(origin_of(url), "POST", target_of(url), body, h, "application/x-www-form-urlencoded");
  store_cookies(r, url);
  return r;
}

std::string Browser::run_until(const std::string& start_url, const std::string& login,
                               const std::string& stop_prefix) {
  std::string url = start_url;
  Response r = get(url);
  for (int hop = 0; hop < 30; ++hop) {
    if (r.status == 0) throw std::runtime_error("no answer from " + url);
    if (r.status >= 300 && r.status < 400) {
      url = resolve_url(url, r.header("Location"));
      if (url.rfind(stop_prefix, 0) == 0) return url;
      r = get(url);
      continue;
    }
    if (r.status != 200) {
      throw std::runtime_error("HTTP " + std::to_string(r.status) + " at " + url + ": " +
                               r.body.substr(0, 500));
    }
    // A page: submit its first form (login or consent).
    std::smatch m;
    const std::regex form_re("<form[^>]*>", std::regex::icase);
    if (!std::regex_search(r.body, m, form_re)) {
      throw std::runtime_error("a page without a form at " + url + ": " + r.body.substr(0, 500));
    }
    const std::string form_tag = m.str();
    const auto form_start = static_cast<size_t>(m.position());
    const auto form_end = r.body.find("</form>", form_start);
    const std::string form = r.body.substr(form_start, form_end - form_start);
    std::vector<std::pair<std::string, std::string>> fields;
    const std::regex input_re("<input[^>]*>", std::regex::icase);
    for (auto it = std::sregex_iterator(form.begin(), form.end(), input_re);
         it != std::sregex_iterator(); ++it) {
      const std::string tag = it->str();
      const std::string name = attr(tag, "name");
      if (name.empty()) continue;
      std::string value = attr(tag, "value");
      if (name == "login") value = login;
      if (name == "password") value = "any password";
      fields.emplace_back(name, value);
    }
    const std::string action = resolve_url(url, attr(form_tag, "action"));
    r = post_form(action, fields);
    url = action;
  }
  throw std::runtime_error("too many hops from " + start_url);
}

}  // namespace secu::test
