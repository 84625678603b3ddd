// Prometheus metrics: one registry per process. The edge serves it at
// /metrics; each separate service can serve it on --metrics_addr.
#ifndef SCIM_COMMON_METRICS_H_
#define SCIM_COMMON_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace scim {

prometheus::Registry& MetricsRegistry();

// Everything registered, in the Prometheus text format.
std::string MetricsText();

// Serves GET /metrics on `address` (port 0 = any free port) from a
// background thread; `bound_port` receives the port.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& address, int* bound_port);

}  // namespace scim

#endif  // SCIM_COMMON_METRICS_H_
