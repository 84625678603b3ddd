// The edge's own Prometheus series (see edge_metrics.h).
#include "edge/edge_metrics.h"

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
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  requests.Add({{"method", method}, {"route", route},
                {"status", std::to_string(status)}})
      .Increment();
  durations.Add({{"method", method}, {"route", route}}, *buckets)
      .Observe(absl::ToDoubleSeconds(latency));
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
