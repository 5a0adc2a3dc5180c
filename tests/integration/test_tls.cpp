// secud over HTTPS (--tls-cert/--tls-key) and secuctl's certificate checks: a CA and a server
// certificate for 127.0.0.1 and localhost are made by the test with the openssl CLI, secud is
// started with them, and the real secuctl is run with --ca-file, SECU_CA_FILE, a context's CA,
// none (the system CAs do not know the test CA: a verify error, exit 6) and --insecure.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

void run(const std::string& cmd) {
  INFO(cmd);
  REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
}

// A CA, a server certificate it signed for 127.0.0.1 and localhost, a second key of the same
// type that belongs to no certificate, and an RSA key (another type than the certificate's).
struct Pki {
  TempDir dir;
  std::string ca, cert, key, other_key, rsa_key;

  Pki() {
    const std::string d = dir.path();
    ca = d + "/ca.pem";
    cert = d + "/server.pem";
    key = d + "/server.key";
    other_key = d + "/other.key";
    rsa_key = d + "/rsa.key";
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509 " + ec + " -keyout " + d + "/ca.key -out " + ca +
        " -days 2 -subj '/CN=Secu Test CA' -addext 'basicConstraints=critical,CA:TRUE'" +
        " -addext 'keyUsage=critical,keyCertSign,cRLSign'");
    run("openssl req " + ec + " -keyout " + key + " -out " + d + "/server.csr -subj /CN=localhost");
    std::ofstream(d + "/ext.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                     "basicConstraints=CA:FALSE\n"
                                     "extendedKeyUsage=serverAuth\n";
    run("openssl x509 -req -in " + d + "/server.csr -CA " + ca + " -CAkey " + d +
        "/ca.key -CAcreateserial -days 2 -out " + cert + " -extfile " + d + "/ext.cnf");
    run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out " + other_key);
    run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + rsa_key);
  }

  SecudOptions secud(const std::string& k = {}) const {
    SecudOptions o;
    o.args = {"--tls-cert", cert, "--tls-key", k.empty() ? key : k};
    return o;
  }
};

std::string https_localhost(const Secud& s) {
  return "https://localhost:" + std::to_string(s.port());
}

}  // namespace

TEST_CASE("tls: secud serves HTTPS and secuctl verifies its certificate", "[tls]") {
  Pki pki;
  Secud s(pki.secud());
  REQUIRE(s.url().rfind("https://", 0) == 0);
  const std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()}};

  SECTION("--ca-file: verified, for the IP and the DNS name") {
    auto r = secuctl({"--ca-file", pki.ca, "health"}, env);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "ok\n");
    CHECK(r.err.empty());
    auto by_name = secuctl({"--addr", https_localhost(s), "--ca-file", pki.ca, "health"});
    INFO(by_name.err);
    CHECK(by_name.exit_code == 0);
  }

  SECTION("SECU_CA_FILE and a context's CA file") {
    auto r = secuctl({"health"}, {{"SECU_ADDR", s.url()}, {"SECU_CA_FILE", pki.ca}});
    INFO(r.err);
    CHECK(r.exit_code == 0);

    TempDir home;
    const std::map<std::string, std::string> henv = {{"HOME", home.path()},
                                                     {"XDG_CONFIG_HOME", home.path() + "/cfg"}};
    auto set = secuctl(
        {"config", "set-context", "tls", "--addr", s.url(), "--ca-file", pki.ca, "--use"}, henv);
    INFO(set.err);
    REQUIRE(set.exit_code == 0);
    auto got = secuctl({"-o", "json", "config", "get-contexts"}, henv);
    CHECK(got.out.find(pki.ca) != std::string::npos);
    auto h = secuctl({"health"}, henv);
    INFO(h.err);
    CHECK(h.exit_code == 0);
    CHECK(h.out == "ok\n");
    // The context's CA goes with the context's address, not with another one.
    auto other = secuctl({"--addr", https_localhost(s), "health"}, henv);
    CHECK(other.exit_code == 6);
    CHECK(other.err.find("tls_verify_failed") != std::string::npos);
  }

  SECTION("without the CA: a verify error, exit 6, and what to do") {
    auto r = secuctl({"health"}, env);
    INFO(r.err);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err.find("not trusted") != std::string::npos);
    CHECK(r.err.find("--ca-file") != std::string::npos);
    CHECK(r.err.find("tls_verify_failed") != std::string::npos);
    // A CA that did not sign it is no better than none.
    auto wrong = secuctl({"--ca-file", pki.cert, "health"}, env);
    CHECK(wrong.exit_code == 6);
    CHECK(wrong.err.find("tls_verify_failed") != std::string::npos);
    // A CA file that is not there is a usage error, named.
    auto missing = secuctl({"--ca-file", pki.dir.path() + "/nope.pem", "health"}, env);
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("nope.pem does not exist") != std::string::npos);
  }

  SECTION("--insecure: only when asked, with a one-line warning") {
    auto r = secuctl({"--insecure", "health"}, env);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "ok\n");
    CHECK(r.err == "secuctl: warning: --insecure: secud's TLS certificate is not verified\n");
  }

  SECTION("plain HTTP to the HTTPS port fails") {
    const std::string plain = "http://127.0.0.1:" + std::to_string(s.port());
    CHECK(http(plain, "GET", "/healthz").status == 0);
    auto r = secuctl({"--addr", plain, "health"});
    INFO(r.err);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("https://") != std::string::npos);
    // and the listener keeps serving HTTPS
    CHECK(secuctl({"--ca-file", pki.ca, "health"}, env).exit_code == 0);
  }

  SECTION("authenticated calls and the gateway over the same TLS listener") {
    const std::map<std::string, std::string> aenv = {
        {"SECU_ADDR", s.url()}, {"SECU_CA_FILE", pki.ca}, {"SECU_ADMIN_TOKEN", s.admin_token()}};
    auto org = secuctl({"-q", "orgs", "create", "--name", "tls-org"}, aenv);
    INFO(org.err);
    REQUIRE(org.exit_code == 0);
    Upstream up;
    auto g = provision_gateway(
        s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}));
    auto r = secuctl({"gateway", "test", "GET", "/echo/tls", "--key", g.key}, aenv);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(up.hits() == 1);
  }
}

TEST_CASE("tls: secud refuses to start with a bad certificate or key", "[tls]") {
  Pki pki;
  SECTION("before it touches the data dir, exit 2") {
    const std::string data = pki.dir.path() + "/data";
    const std::string cmd = std::string(SECUD_PATH) + " serve --listen 127.0.0.1:0 --data-dir " +
                            data + " --tls-cert " + pki.cert + " --tls-key " + pki.other_key +
                            " 2>" + pki.dir.path() + "/err";
    const int status = std::system(cmd.c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    CHECK(slurp(pki.dir.path() + "/err") == "secud: the TLS key " + pki.other_key +
                                                " does not match the certificate " + pki.cert +
                                                "\n");
    CHECK_FALSE(std::filesystem::exists(data));
  }
  SECTION("a key of the same type that is not the certificate's") {
    REQUIRE_THROWS_WITH(Secud(pki.secud(pki.other_key)),
                        Catch::Contains("does not match the certificate"));
  }
  SECTION("a key of another type") {
    REQUIRE_THROWS_WITH(Secud(pki.secud(pki.rsa_key)),
                        Catch::Contains("does not match the certificate"));
  }
  SECTION("a certificate file that is not a certificate") {
    SecudOptions o;
    o.args = {"--tls-cert", pki.key, "--tls-key", pki.key};
    REQUIRE_THROWS_WITH(Secud(o), Catch::Contains("cannot load the TLS certificate"));
  }
  SECTION("a missing file") {
    SecudOptions o;
    o.args = {"--tls-cert", pki.cert, "--tls-key", pki.dir.path() + "/missing.key"};
    REQUIRE_THROWS_WITH(Secud(o), Catch::Contains("missing.key does not exist"));
  }
  SECTION("only one of the two") {
    SecudOptions o;
    o.args = {"--tls-cert", pki.cert};
    REQUIRE_THROWS_WITH(Secud(o), Catch::Contains("tls_cert and tls_key go together"));
  }
}
