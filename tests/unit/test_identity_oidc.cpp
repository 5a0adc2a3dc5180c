// Which redirect URLs count as loopback (secuctl login --sso, RFC 8252 §7.3): only
// http://127.0.0.1:PORT and http://[::1]:PORT, with nothing that could smuggle another host.
#include <catch2/catch.hpp>

#include "secu/identity/oidc.hpp"

using secu::identity::is_loopback_redirect;

TEST_CASE("oidc loopback redirects: 127.0.0.1 and [::1] with a port only", "[oidc]") {
  for (const char* ok :
       {"http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://127.0.0.1:1/sso/x",
        "http://127.0.0.1:65535?x=1", "http://[::1]:4000/cb"}) {
    INFO(ok);
    CHECK(is_loopback_redirect(ok));
  }
  for (const char* bad :
       {"https://127.0.0.1:8080/", "http://127.0.0.1/", "http://127.0.0.1:/x",
        "http://127.0.0.1:123456/", "http://127.0.0.1:80@evil.example/",
        "http://127.0.0.1:80.evil.example/", "http://127.0.0.1:80#frag", "http://127.0.0.1:80/a b",
        "http://127.0.0.1:80\\\\evil", "http://localhost:8080/", "http://127.0.0.2:8080/",
        "http://[::1]/", ""}) {
    INFO(bad);
    CHECK_FALSE(is_loopback_redirect(bad));
  }
}
