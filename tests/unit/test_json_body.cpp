// json::parse_body, the one parser of request bodies: the limits hostile input needs, and the
// Reader's amount rule (whole micro-USD).
#include <catch2/catch.hpp>
#include <string>

#include "secu/json_body.hpp"
#include "secu/json_input.hpp"

using namespace secu;

namespace {

std::string code_of(std::string_view body) {
  auto r = json::parse_body(body);
  return r.ok() ? "ok" : r.error().code;
}

std::string nested(size_t arrays) {  // an object holding `arrays` nested arrays
  return R"({"a":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
}

}  // namespace

TEST_CASE("parse_body takes JSON objects only", "[json][body]") {
  CHECK(code_of(R"({"name":"bot","n":[1,{"x":null}]})") == "ok");
  CHECK(code_of("") == "invalid_json");
  CHECK(code_of("[1]") == "invalid_json");
  CHECK(code_of("\"x\"") == "invalid_json");
  CHECK(code_of(R"({"a":1} {"b":2})") == "invalid_json");
  CHECK(code_of(R"({"a":NaN})") == "invalid_json");
  CHECK(code_of(R"({"a":Infinity})") == "invalid_json");
  CHECK(code_of(R"({"a":1e400})") == "invalid_json");     // out of double range
  CHECK(code_of("{\"a\":\"\xff\"}") == "invalid_json");   // invalid UTF-8
  CHECK(code_of(R"({"a":"\ud800"})") == "invalid_json");  // lone surrogate
}

TEST_CASE("parse_body refuses NUL bytes anywhere", "[json][body]") {
  // nlohmann stops at a NUL: without the check the second object would be ignored.
  CHECK(code_of(std::string("{\"a\":1}\0{\"b\":2}", 15)) == "invalid_json");
  CHECK(code_of(std::string("{\"a\":\"x\0y\"}", 11)) == "invalid_json");
  // An escaped NUL is valid JSON; the Reader refuses it as a control character.
  auto j = json::parse_body(R"({"a":"x\u0000y"})");
  REQUIRE(j.ok());
  json::Reader r(*j);
  CHECK_FALSE(r.str("a").has_value());
  CHECK(r.finish().error().field == "a");
}

TEST_CASE("parse_body nests at most 64 levels", "[json][body]") {
  CHECK(code_of(nested(63)) == "ok");  // 64 levels with the object
  CHECK(code_of(nested(64)) == "nesting_too_deep");
  CHECK(code_of(nested(1'000'000)) == "nesting_too_deep");
  CHECK(code_of(std::string(100'000, '[')) == "nesting_too_deep");  // unclosed, still measured
  // Brackets inside strings (escaped quotes included) do not count.
  CHECK(code_of(R"({"s":")" + std::string(500, '[') + R"(\"\\"})") == "ok");
  CHECK(json::parse_body(nested(64)).error().kind == ErrorKind::kInvalid);
}

TEST_CASE("parse_body refuses a key twice in one object", "[json][body]") {
  auto dup = json::parse_body(R"({"name":"a","name":"b"})");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == "duplicate_key");
  CHECK(dup.error().field == "name");
  CHECK(code_of(R"({"a":{"k":1,"k":2}})") == "duplicate_key");
  CHECK(code_of(R"({"a":[{"k":1},{"k":2}]})") == "ok");  // same key, different objects
  CHECK(code_of(R"({"k":{"k":{"k":1}}})") == "ok");
  CHECK(code_of(R"({"a":{"x":1},"x":2})") == "ok");
  // A long key is quoted back shortened.
  const std::string key(1000, 'k');
  auto long_dup = json::parse_body("{\"" + key + "\":1,\"" + key + "\":2}");
  REQUIRE_FALSE(long_dup.ok());
  CHECK(long_dup.error().field.size() < 100);
}

TEST_CASE("USD amounts are whole micro-USD, finite and not negative", "[json][body]") {
  const auto usd = [](const char* body) -> std::optional<int64_t> {
    auto j = json::parse_body(body);
    REQUIRE(j.ok());
    json::Reader r(*j);
    return r.usd("a");
  };
  CHECK(usd(R"({"a":0.1})") == 100'000);
  CHECK(usd(R"({"a":0.000001})") == 1);
  CHECK(usd(R"({"a":12.345678})") == 12'345'678);
  CHECK(usd(R"({"a":999999999.999999})") == 999'999'999'999'999);
  CHECK_FALSE(usd(R"({"a":0.0000001})"));
  CHECK_FALSE(usd(R"({"a":1.0000005})"));
  CHECK_FALSE(usd(R"({"a":-0.01})"));
  CHECK_FALSE(usd(R"({"a":18446744073709551616})"));
  CHECK_FALSE(usd(R"({"a":1e300})"));
}
