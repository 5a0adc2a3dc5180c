#include <catch2/catch.hpp>

#include "secu/clock.hpp"

using namespace secu;

TEST_CASE("RFC 3339 formatting", "[clock]") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1795707796123) == "2026-11-26T15:43:16.123Z");
  CHECK(format_rfc3339(951782400000) == "2000-02-29T00:00:00.000Z");
}

TEST_CASE("time parsing takes RFC 3339 and dates, rejects the rest", "[clock]") {
  CHECK(parse_time("2026-11-26T15:43:16.123Z").value() == 1795707796123);
  CHECK(parse_time("2026-11-26T15:43:16Z").value() == 1795707796000);
  CHECK(parse_time("2026-11-26T16:43:16+01:00").value() == 1795707796000);
  CHECK(parse_time("2026-11-26").value() == 1795651200000);
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "2026-11-26T25:00:00Z",
                          "2026-11-26T15:43:16", "yesterday", "2026-11-26T15:43:16Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).ok());
  }
  for (int64_t ms : {0LL, 1795707796123LL, 4102444799999LL}) {
    CHECK(parse_time(format_rfc3339(ms)).value() == ms);
  }
  CHECK(utc_day_start(1795707796123) == 1795651200000);
}
