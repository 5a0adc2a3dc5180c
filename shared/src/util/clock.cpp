#include "secu/clock.hpp"

#include <chrono>
#include <cstdio>

namespace secu {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
// Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's days_from_civil.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}
}  // namespace

std::string format_rfc3339(int64_t ms) {
  const int64_t days = floor_div(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const int hh = static_cast<int>(rem / 3600000);
  rem %= 3600000;
  const int mm = static_cast<int>(rem / 60000);
  rem %= 60000;
  const int ss = static_cast<int>(rem / 1000);
  const int mss = static_cast<int>(rem % 1000);
  if (y < 0 || y > 9999) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, hh, mm, ss, mss);
    return buf;
  }
  // The same text as the snprintf above, digit by digit: audit verify and export format the
  // time of every entry, and snprintf was a visible share of their profile.
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&](size_t at, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10)
      out[at + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, static_cast<unsigned>(y), 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, static_cast<unsigned>(hh), 2);
  put(14, static_cast<unsigned>(mm), 2);
  put(17, static_cast<unsigned>(ss), 2);
  put(20, static_cast<unsigned>(mss), 3);
  return out;
}

Result<int64_t> parse_time(std::string_view s) {
  auto bad = [] {
    return Error::invalid(
        "expected an RFC 3339 time (2026-11-26T15:04:05Z) or a date (2026-11-26)");
  };
  int y, mo, d;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) return bad();
  int64_t ms = days_from_civil(y, mo, d) * 86400000;
  if (s.size() == 10) return ms;
  int hh, mi, ss;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hh) || s.size() < 19 ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, ss))
    return bad();
  if (hh > 23 || mi > 59 || ss > 60) return bad();
  ms += (hh * 3600 + mi * 60 + std::min(ss, 59)) * 1000LL;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int frac_ms = 0, nd = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (nd < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++nd;
      ++pos;
    }
    if (nd == 0) return bad();
    for (int i = nd; i < 3; ++i)
      frac_ms *= 10;
    ms += frac_ms;
  }
  if (pos >= s.size()) return bad();  // RFC 3339 requires a zone
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return bad();
    return ms;
  }
  if (s[pos] != '+' && s[pos] != '-') return bad();
  int oh, om;
  if (pos + 6 != s.size() || !digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' ||
      !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
    return bad();
  const int64_t off = (oh * 60 + om) * 60000LL;
  return s[pos] == '+' ? ms - off : ms + off;
}

int64_t utc_day_start(int64_t ms) {
  return floor_div(ms, 86400000) * 86400000;
}

}  // namespace secu
