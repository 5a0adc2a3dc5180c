// Path normalisation and segment-wise prefix matching: the defence against "..", "//", "%2e",
// double encoding, backslashes and Unicode look-alikes slipping past a denied prefix. Every
// rejection here is deliberate: when an upstream could read a path two ways, refuse it rather
// than guess which way it will.
#include <vector>

#include "internal.hpp"
#include "secu/policy.hpp"

namespace secu::policy {

namespace {

constexpr size_t kMaxPath = 8192;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 pchar minus unreserved and pct-encoded: sub-delims, ':' and '@'.
bool is_raw_pchar(unsigned char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return is_unreserved(c);
  }
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

Error bad_path(std::string why) {
  return Error::make(ErrorKind::kInvalid, "invalid_path", "invalid path: " + std::move(why));
}

// Code points that NFKC or Windows best-fit mappings turn into '.', "..", "...", '/' or '\'.
bool is_lookalike(uint32_t cp) {
  switch (cp) {
    case 0x2024:  // ONE DOT LEADER → .
    case 0x2025:  // TWO DOT LEADER → ..
    case 0x2026:  // HORIZONTAL ELLIPSIS → ...
    case 0xFE52:  // SMALL FULL STOP → .
    case 0xFF0E:  // FULLWIDTH FULL STOP → .
    case 0xFF0F:  // FULLWIDTH SOLIDUS → /
    case 0x2215:  // DIVISION SLASH → / (best fit)
    case 0x2044:  // FRACTION SLASH → / (best fit)
    case 0x29F8:  // BIG SOLIDUS → / (best fit)
    case 0xFE68:  // SMALL REVERSE SOLIDUS → '\'
    case 0xFF3C:  // FULLWIDTH REVERSE SOLIDUS → '\'
      return true;
    default:
      return false;
  }
}

// Strict UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF) without look-alikes.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (is_lookalike(cp)) return false;
    i += len;
  }
  return true;
}

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The part of a segment lenient routers look at: before ';', without trailing dots.
std::string_view segment_base(std::string_view seg) {
  seg = seg.substr(0, seg.find(';'));
  while (!seg.empty() && seg.back() == '.' && seg != "." && seg != "..")
    seg.remove_suffix(1);
  return seg;
}

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

Result<std::string> normalize_path(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return bad_path("it must start with /");
  if (raw.size() > kMaxPath) return bad_path("it is longer than 8 KiB");

  // Pass 1: one canonical encoding. `encoded` is what we keep; `decoded` (every escape decoded)
  // only serves the UTF-8 check.
  std::string encoded, decoded;
  encoded.reserve(raw.size());
  decoded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == '%') {
      if (i + 2 >= raw.size() || hex_value(raw[i + 1]) < 0 || hex_value(raw[i + 2]) < 0) {
        return bad_path("invalid percent-escape");
      }
      const auto b = static_cast<unsigned char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      if (b == '/' || b == '\\') return bad_path("encoded slash or backslash");
      if (b < 0x20 || b == 0x7F) return bad_path("encoded control character");
      if (is_unreserved(b)) {
        encoded += static_cast<char>(b);
      } else {
        append_escape(encoded, b);
      }
      decoded += static_cast<char>(b);
      i += 2;
      continue;
    }
    if (c == '\\') return bad_path("backslash");
    if (c <= 0x20 || c == 0x7F) return bad_path("space or control character");
    if (c == '?' || c == '#') return bad_path("'?' or '#' in the path");
    if (c == '/' || is_raw_pchar(c)) {
      encoded += static_cast<char>(c);
    } else {
      append_escape(encoded, c);  // '"', '<', '>', '^', '`', '{', '|', '}', UTF-8 bytes
    }
    decoded += static_cast<char>(c);
  }
  // Double encoding, however it was spelled ("%252e", "%25%32%65"): an escaped '%' that an
  // upstream decoding twice would turn into another escape. Checked on the canonical form, so
  // the output never holds one and normalising it again gives the same path.
  for (size_t i = 0; i + 4 < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%25") == 0 && hex_value(encoded[i + 3]) >= 0 &&
        hex_value(encoded[i + 4]) >= 0) {
      return bad_path("double-encoded percent-escape");
    }
  }
  if (!valid_utf8(decoded)) return bad_path("not valid UTF-8, or a look-alike of '.', '/' or '\\'");

  // Pass 2: segments (RFC 3986 remove_dot_segments, plus "//" collapsing and root escapes
  // refused instead of clamped).
  const auto parts = split_segments(encoded);
  std::vector<std::string_view> kept;
  for (const auto part : parts) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (kept.empty()) return bad_path("'..' above the root");
      kept.pop_back();
      continue;
    }
    const auto base = part.substr(0, part.find(';'));
    if (base == "." || base == "..") return bad_path("dot segment with parameters");
    kept.push_back(part);
  }
  const auto last = parts.back();
  const bool trailing = last.empty() || last == "." || last == "..";

  std::string out = "/";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += '/';
    out += kept[i];
  }
  if (trailing && !kept.empty()) out += '/';
  return out;
}

bool path_has_prefix(std::string_view path, std::string_view prefix) {
  if (path.empty() || prefix.empty() || path.front() != '/' || prefix.front() != '/') return false;
  const auto ps = split_segments(path);
  const auto xs = split_segments(prefix);
  size_t pi = 0;
  for (const auto x : xs) {
    const auto want = segment_base(x);
    if (want.empty()) continue;  // "" from "/" or a trailing slash
    // Skip empty path segments too, and segments that are only parameters (";x"): a lenient
    // router reads "/;x/admin" as "//admin", i.e. "/admin" (found by fuzz_policy_path).
    while (pi < ps.size() && segment_base(ps[pi]).empty())
      ++pi;
    if (pi >= ps.size()) return false;
    if (!equal_fold(segment_base(ps[pi]), want)) return false;
    ++pi;
  }
  return true;
}

namespace detail {

std::string loose_path(std::string_view normalized) {
  if (normalized.empty() || normalized.front() != '/') return std::string(normalized);
  std::string out;
  out.reserve(normalized.size());
  const auto segs = split_segments(normalized);
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto base = segment_base(segs[i]);
    // A parameters-only segment vanishes as in path_has_prefix; a trailing slash stays.
    if (base.empty() && i + 1 < segs.size()) continue;
    out += '/';
    out += base;
  }
  return out;
}

bool looks_like_http_action(std::string_view action) {
  const size_t sp = action.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp + 1 >= action.size()) return false;
  for (size_t i = 0; i < sp; ++i)
    if (action[i] < 'A' || action[i] > 'Z') return false;
  return action[sp + 1] == '/';
}

}  // namespace detail

}  // namespace secu::policy
