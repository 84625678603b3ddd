// The edge's own Prometheus series (see edge_metrics.h).
#include "edge/edge_metrics.h"

#include "absl/base/const_init.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"

namespace scim::edge {

void RecordHttpMetrics(const std::string& method, const std::string& route,
                       int status, absl::Duration latency) {
  static auto& requests = prometheus::BuildCounter()
                              .Name("scim_http_requests_total")
                              .Help("HTTP requests, by method, route and status")
                              .Register(MetricsRegistry());
  static auto& durations =
      prometheus::BuildHistogram()
          .Name("scim_http_request_duration_seconds")
          .Help("HTTP request latency, by method and route")
          .Register(MetricsRegistry());
  requests.Add({{"method", method}, {"route", route},
                {"status", std::to_string(status)}})
      .Increment();
  durations.Add({{"method", method}, {"route", route}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

namespace {

// At most kMaxTenantLabels tenants get series of their own, in the order
// they are first seen; the rest share "other".
constexpr size_t kMaxTenantLabels = 500;

std::string TenantLabel(const std::string& tenant) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* seen = new absl::flat_hash_set<std::string>();
  absl::MutexLock lock(&mu);
  if (seen->contains(tenant)) return tenant;
  if (seen->size() >= kMaxTenantLabels) return "other";
  seen->insert(tenant);
  return tenant;
}

}  // namespace

void CountTenantRequest(const std::string& tenant, int status) {
  static auto& requests = prometheus::BuildCounter()
                              .Name("scim_http_tenant_requests_total")
                              .Help("SCIM requests by authenticated tenant and status class")
                              .Register(MetricsRegistry());
  static const char* const kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  const char* status_class = status >= 100 && status < 600 ? kClasses[status / 100 - 1] : "5xx";
  requests
      .Add({{"tenant", tenant.empty() ? "unknown" : TenantLabel(tenant)},
            {"status_class", status_class}})
      .Increment();
}

void CountEtagCache(const char* result) {
  static auto& family = prometheus::BuildCounter()
                            .Name("scim_etag_cache_total")
                            .Help("If-None-Match GETs by ETag cache result")
                            .Register(MetricsRegistry());
  family.Add({{"result", result}}).Increment();
}

void CountSaturation(const char* reason) {
  static auto& family =
      prometheus::BuildCounter()
          .Name("scim_http_saturation_total")
          .Help("HTTP connections refused (client_cap) or queued (pool_full)")
          .Register(MetricsRegistry());
  family.Add({{"reason", reason}}).Increment();
}

}  // namespace scim::edge
