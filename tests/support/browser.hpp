// A minimal browser for driving web sign-in flows over HTTP from tests: a cookie jar (name,
// path; deletions honoured), redirects followed by hand (each hop visible to the test), and
// HTML forms read from the page and submitted as application/x-www-form-urlencoded.
// Enough for oidc-provider's development login and consent pages; no JavaScript.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace secu::test {

class Browser {
 public:
  // One request to an absolute URL, with the jar's cookies; stores the answer's cookies.
  Response get(const std::string& url);
  Response post_form(const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& fields);

  // An SSO round trip: GET `start_url` and follow redirects; on a page with a form, fill in
  // `login` (any password) when it asks for one, else submit it as it is (consent). Stops at
  // the first URL that starts with `stop_prefix` (secud's callback) and returns that URL,
  // without requesting it. Throws when the flow ends anywhere else.
  std::string run_until(const std::string& start_url, const std::string& login,
                        const std::string& stop_prefix);

  // The URL of every request made, in order.
  const std::vector<std::string>& visited() const { return m_visited; }

 private:
  struct Cookie {
    std::string value;
  };
  void store_cookies(const Response& r, const std::string& url);
  std::string cookie_header(const std::string& url) const;
  std::map<std::pair<std::string, std::string>, Cookie> m_jar;  // (name, path) → value
  std::vector<std::string> m_visited;
};

// `location` resolved against `base` (absolute, or an absolute path on base's origin).
std::string resolve_url(const std::string& base, const std::string& location);
// "http://h:p" of an absolute URL, and its "/path?query".
std::string origin_of(const std::string& url);
std::string target_of(const std::string& url);
// Percent-encoding for a form field.
std::string form_encode(const std::string& s);
// The value of query parameter `name` in `url` (percent-decoded), or "".
std::string query_param(const std::string& url, const std::string& name);

}  // namespace secu::test
