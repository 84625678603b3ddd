#include "common/metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"
#include "prometheus/text_serializer.h"

namespace scim {

namespace {

// Owning and never destroyed: the exposer keeps only a weak_ptr to it.
const std::shared_ptr<prometheus::Registry>& SharedRegistry() {
  static auto* registry = new std::shared_ptr<prometheus::Registry>(
      std::make_shared<prometheus::Registry>());
  return *registry;
}

}  // namespace

prometheus::Registry& MetricsRegistry() { return *SharedRegistry(); }

std::string MetricsText() {
  return prometheus::TextSerializer().Serialize(MetricsRegistry().Collect());
}

absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& address, int* bound_port) {
  // civetweb reports bind failures by throwing; keep that inside.
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(address);
    exposer->RegisterCollectable(SharedRegistry());
    auto ports = exposer->GetListeningPorts();
    *bound_port = ports.empty() ? 0 : ports.front();
    return exposer;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
}

}  // namespace scim
