#include "server/metrics.hpp"

#include <array>
#include <cstdio>

#include "secu/metrics.hpp"
#include "server/routes.hpp"

#ifndef SECU_VERSION
#define SECU_VERSION "0.0.0"
#endif

namespace secu::daemon {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// The status codes secud and httplib answer with; anything else counts as code="other".
constexpr std::array<int, 39> kCodes = {200, 201, 202, 204, 206, 301, 302, 303, 304, 307,
                                        308, 400, 401, 402, 403, 404, 405, 406, 408, 409,
                                        410, 411, 412, 413, 414, 415, 416, 417, 422, 425,
                                        428, 429, 431, 500, 501, 502, 503, 504, 507};

// status → slot, built once; kCodes.size() is the "other" slot.
struct StatusSlots {
  std::array<uint8_t, 600> slot{};
  StatusSlots() {
    slot.fill(static_cast<uint8_t>(kCodes.size()));
    for (size_t i = 0; i < kCodes.size(); ++i)
      slot[static_cast<size_t>(kCodes[i])] = static_cast<uint8_t>(i);
  }
};
const StatusSlots kStatusSlotOf;

size_t status_slot(int status) {
  if (status < 0 || status >= 600) return kCodes.size();
  return kStatusSlotOf.slot[static_cast<size_t>(status)];
}

// Label values: route templates and methods are ours, but escape anyway (the format's rule:
// backslash, double quote and newline).
std::string label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string seconds(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(us) / 1e6);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

// 1 ms … 10 s: the control plane answers in milliseconds, the gateway waits on vendors.
const int64_t Metrics::kBoundsUs[Metrics::kBuckets - 1] = {1'000,     5'000,     10'000,    25'000,
                                                           50'000,    100'000,   250'000,   500'000,
                                                           1'000'000, 2'500'000, 10'000'000};

static_assert(kCodes.size() + 1 <= 40, "kStatusSlots too small");

void Metrics::init(const RouteTable& routes) {
  const auto& rs = routes.routes();
  m_count = rs.size() + 1;
  m_series = std::make_unique<Series[]>(m_count);
  for (size_t i = 0; i < rs.size(); ++i) {
    m_series[i].method = rs[i].method;
    m_series[i].route = rs[i].path;
  }
  m_series[rs.size()].method = "other";
  m_series[rs.size()].route = "unmatched";
}

void Metrics::observe_request(size_t route_index, int status, int64_t duration_us) {
  if (!m_series) return;
  auto& s = m_series[route_index < m_count - 1 ? route_index : m_count - 1];
  s.by_status[status_slot(status)].fetch_add(1, kRelaxed);
  if (duration_us < 0) duration_us = 0;
  size_t b = 0;
  while (b < kBuckets - 1 && duration_us > kBoundsUs[b])
    ++b;
  s.buckets[b].fetch_add(1, kRelaxed);
  s.sum_us.fetch_add(static_cast<uint64_t>(duration_us), kRelaxed);
}

void Metrics::observe_decision(Decision d) {
  m_decisions[static_cast<size_t>(d)].fetch_add(1, kRelaxed);
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(16 * 1024);
  header(out, "secu_build_info", "gauge", "Version of secud; always 1.");
  out += "secu_build_info{version=\"" SECU_VERSION "\"} 1\n";

  header(out, "secu_http_requests_total", "counter",
         "HTTP requests by method, route template and status code.");
  for (size_t i = 0; i < m_count; ++i) {
    const auto& s = m_series[i];
    const std::string labels =
        "method=\"" + label(s.method) + "\",route=\"" + label(s.route) + "\",code=\"";
    for (size_t k = 0; k < kStatusSlots; ++k) {
      const auto n = s.by_status[k].load(kRelaxed);
      if (n == 0) continue;
      out += "secu_http_requests_total{" + labels;
      out += k < kCodes.size() ? std::to_string(kCodes[k]) : std::string("other");
      out += "\"} " + std::to_string(n) + "\n";
    }
  }

  header(out, "secu_http_request_duration_seconds", "histogram",
         "Time from reading the request to writing the response, by route template.");
  for (size_t i = 0; i < m_count; ++i) {
    const auto& s = m_series[i];
    // Series of routes never requested are left out, as client libraries do for labelled
    // histograms that were never observed.
    std::array<uint64_t, kBuckets> counts{};
    uint64_t total = 0;
    for (size_t b = 0; b < kBuckets; ++b)
      total += counts[b] = s.buckets[b].load(kRelaxed);
    if (total == 0) continue;
    const std::string labels =
        "method=\"" + label(s.method) + "\",route=\"" + label(s.route) + "\"";
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      cumulative += counts[b];
      out += "secu_http_request_duration_seconds_bucket{" + labels + ",le=\"";
      out += b < kBuckets - 1 ? seconds(kBoundsUs[b]) : std::string("+Inf");
      out += "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "secu_http_request_duration_seconds_sum{" + labels + "} " +
           seconds(static_cast<int64_t>(s.sum_us.load(kRelaxed))) + "\n";
    out += "secu_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(cumulative) + "\n";
  }

  header(out, "secu_audit_appends_total", "counter",
         "Audit entries appended (their change committed).");
  out += "secu_audit_appends_total " + std::to_string(metrics::audit_appends().get()) + "\n";
  header(out, "secu_audit_append_failures_total", "counter",
         "Audit appends that failed (the change they recorded was rolled back).");
  out += "secu_audit_append_failures_total " +
         std::to_string(metrics::audit_append_failures().get()) + "\n";

  header(out, "secu_gateway_decisions_total", "counter", "Gateway decisions by outcome.");
  static constexpr const char* kOutcomes[] = {"allowed", "denied", "pending_approval"};
  for (size_t k = 0; k < static_cast<size_t>(Decision::kCount); ++k) {
    out += "secu_gateway_decisions_total{outcome=\"";
    out += kOutcomes[k];
    out += "\"} " + std::to_string(m_decisions[k].load(kRelaxed)) + "\n";
  }
  return out;
}

}  // namespace secu::daemon
