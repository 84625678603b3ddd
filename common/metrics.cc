#include "common/metrics.h"

#include <exception>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "absl/strings/str_cat.h"
#include "common/version.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/text_serializer.h"

namespace scim {

namespace {

// Live hooks; collected after the registry's own families.
class Hooks : public prometheus::Collectable {
 public:
  // Hooks of the same name (scimd's three stores) merge into one family:
  // the text format allows one HELP and TYPE per name.
  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    std::vector<prometheus::MetricFamily> out;
    absl::flat_hash_map<std::string, size_t> index;
    for (const GaugeHook* hook : hooks_) {
      for (auto& family : hook->Collect()) {
        auto [it, added] = index.try_emplace(family.name, out.size());
        if (added) {
          out.push_back(std::move(family));
          continue;
        }
        for (auto& metric : family.metric) out[it->second].metric.push_back(std::move(metric));
      }
    }
    return out;
  }
  void Add(const GaugeHook* hook) {
    absl::MutexLock lock(&mu_);
    hooks_.insert(hook);
  }
  void Remove(const GaugeHook* hook) {
    absl::MutexLock lock(&mu_);
    hooks_.erase(hook);
  }

 private:
  mutable absl::Mutex mu_;
  std::set<const GaugeHook*> hooks_ ABSL_GUARDED_BY(mu_);
};

const std::shared_ptr<Hooks>& SharedHooks() {
  static auto* hooks = new std::shared_ptr<Hooks>(std::make_shared<Hooks>());
  return *hooks;
}

// Owning and never destroyed: the exposer keeps only a weak_ptr to it.
const std::shared_ptr<prometheus::Registry>& SharedRegistry() {
  static auto* registry = [] {
    auto* shared = new std::shared_ptr<prometheus::Registry>(
        std::make_shared<prometheus::Registry>());
    // What runs: the same version as --version prints.
    prometheus::BuildGauge()
        .Name("scim_build_info")
        .Help("1, labelled with the running build's version")
        .Register(**shared)
        .Add({{"version", std::string(Version())}})
        .Set(1);
    return shared;
  }();
  return *registry;
}

}  // namespace

GaugeHook::GaugeHook(std::string prefix, std::string label,
                     std::string label_value, ReadFn read)
    : prefix_(std::move(prefix)),
      label_(std::move(label)),
      label_value_(std::move(label_value)),
      read_(std::move(read)) {
  SharedHooks()->Add(this);
}

GaugeHook::~GaugeHook() { SharedHooks()->Remove(this); }

std::vector<prometheus::MetricFamily> GaugeHook::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  for (const auto& [name, value] : read_()) {
    prometheus::MetricFamily family;
    family.name = absl::StrCat("scim_", prefix_, "_", name);
    family.help = absl::StrCat(prefix_, " ", name);
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric metric;
    metric.label.push_back({label_, label_value_});
    metric.gauge.value = value;
    family.metric.push_back(std::move(metric));
    out.push_back(std::move(family));
  }
  return out;
}

prometheus::Registry& MetricsRegistry() { return *SharedRegistry(); }

const std::vector<double>& LatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return *buckets;
}

std::string MetricsText() {
  auto families = MetricsRegistry().Collect();
  for (auto& family : SharedHooks()->Collect()) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& address, int* bound_port) {
  // civetweb reports bind failures by throwing; keep that inside.
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(address);
    exposer->RegisterCollectable(SharedRegistry());
    exposer->RegisterCollectable(SharedHooks());
    auto ports = exposer->GetListeningPorts();
    *bound_port = ports.empty() ? 0 : ports.front();
    return exposer;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
}

}  // namespace scim
