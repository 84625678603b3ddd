// The edge's own Prometheus series (served by /metrics with the rest of the
// process's registry).
#ifndef SCIM_EDGE_EDGE_METRICS_H_
#define SCIM_EDGE_EDGE_METRICS_H_

#include <string>

#include "absl/time/time.h"

namespace scim::edge {

// scim_http_requests_total and scim_http_request_duration_seconds, by method
// and route (the route pattern, never the raw path: bounded cardinality).
void RecordHttpMetrics(const std::string& method, const std::string& route,
                       int status, absl::Duration latency);

// scim_http_tenant_requests_total{tenant, status_class="2xx|..."}: SCIM
// requests by tenant. `tenant` is the authenticated one ("" → "unknown":
// a refused request's path names whatever the client wrote), and at most
// 500 tenants get their own series (the rest: "other").
void CountTenantRequest(const std::string& tenant, int status);

// scim_etag_cache_total{result="hit|miss"}: conditional GETs answered from
// the cache, and those that went on to identity-service.
void CountEtagCache(const char* result);

// scim_http_saturation_total{reason="client_cap|pool_full"}: connections
// refused because their client was at its cap, and connections that had to
// wait because every pool thread was busy at --http_max_threads.
void CountSaturation(const char* reason);

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_METRICS_H_
