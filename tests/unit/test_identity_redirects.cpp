// No open redirect (secu/identity/redirects.hpp).
#include <catch2/catch.hpp>

#include "secu/identity/redirects.hpp"

using namespace secu::identity;

TEST_CASE("the allow-list parses comma-separated prefixes", "[identity][redirects]") {
  CHECK(parse_allowlist("") == std::vector<std::string>{});
  CHECK(parse_allowlist(" https://a.test/ , ,https://b.test") ==
        std::vector<std::string>{"https://a.test/", "https://b.test"});
}

TEST_CASE("redirect URLs must sit under an allowed prefix, on a boundary",
          "[identity][redirects]") {
  const std::vector<std::string> allow = {"https://app.example.com", "https://x.test/cb/"};
  struct Case {
    const char* url;
    bool ok;
  };
  const Case cases[] = {
      {"https://app.example.com", true},
      {"https://app.example.com/", true},
      {"https://app.example.com/welcome?x=1", true},
      {"https://app.example.com?x=1", true},
      {"https://x.test/cb/done", true},
      {"https://console.test/after", true},  // under the console URL
      {"https://app.example.com.evil.test/", false},
      {"https://app.example.com@evil.test/", false},
      {"https://app.example.comx/", false},
      {"https://x.test/cb", false},
      {"https://x.test/cbx/", false},
      {"http://app.example.com/", false},  // another scheme is another origin
      {"https://evil.test/?https://app.example.com", false},
      {"https://app.example.com/#frag", false},
      {"https://app.example.com/a b", false},
      {"https://app.example.com/\\evil", false},
      {"javascript:alert(1)", false},
      {"//evil.test/", false},
      {"", false},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    CHECK(redirect_allowed(c.url, allow, "https://console.test") == c.ok);
  }
  CHECK_FALSE(redirect_allowed("https://app.example.com/", {}, ""));
}

TEST_CASE("callbacks go to the allowed redirect, else the console, else nowhere",
          "[identity][redirects]") {
  const std::vector<std::string> allow = {"https://app.test"};
  CHECK(callback_location(std::string("https://app.test/in"), allow, "https://console.test",
                          "JWT") == "https://app.test/in#token=JWT");
  // No longer allowed (the list changed): the console instead.
  CHECK(callback_location(std::string("https://gone.test/in"), allow, "https://console.test",
                          "JWT") == "https://console.test#token=JWT");
  CHECK(callback_location(std::nullopt, allow, "https://console.test/#/login", "JWT") ==
        "https://console.test/#/login&token=JWT");
  CHECK(callback_location(std::nullopt, allow, "", "JWT").empty());
  CHECK(callback_location(std::string("https://app.test/in"), allow, "", "JWT") ==
        "https://app.test/in#token=JWT");
}
