// Prometheus metrics: one registry per process. The edge serves it at
// /metrics; each separate service can serve it on --metrics_addr.
#ifndef SCIM_COMMON_METRICS_H_
#define SCIM_COMMON_METRICS_H_

#include <functional>
#include <memory>
#include <utility>
#include <vector>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace scim {

prometheus::Registry& MetricsRegistry();

// Latency histogram buckets, 0.5 ms to 60 s: a Bulk request or a large
// import page lands in a bucket of its own, not in +Inf.
const std::vector<double>& LatencyBuckets();

// Everything registered, in the Prometheus text format.
std::string MetricsText();

// Gauges computed at scrape time: while alive, each (name, value) from `read`
// is exported as scim_<prefix>_<name>{<label>="<value>"}. Unregisters on
// destruction, so `read` may use objects that die with the hook's owner.
class GaugeHook {
 public:
  using ReadFn = std::function<std::vector<std::pair<std::string, double>>()>;
  GaugeHook(std::string prefix, std::string label, std::string label_value,
            ReadFn read);
  ~GaugeHook();
  GaugeHook(const GaugeHook&) = delete;
  GaugeHook& operator=(const GaugeHook&) = delete;

  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  std::string prefix_, label_, label_value_;
  ReadFn read_;
};

// Serves GET /metrics on `address` (port 0 = any free port) from a
// background thread; `bound_port` receives the port.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& address, int* bound_port);

}  // namespace scim

#endif  // SCIM_COMMON_METRICS_H_
