// The route table: health endpoints (/healthz, /readyz, /metrics), OAuth,
// and /t/{tenant}/scim/v2/... behind admission, each sent to its handler.
#ifndef SCIM_EDGE_ROUTER_H_
#define SCIM_EDGE_ROUTER_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "edge/admin/admin_api.h"
#include "edge/admission.h"
#include "edge/bulk_handler.h"
#include "edge/call.h"
#include "scim/schema.h"
#include "edge/oauth_handler.h"
#include "edge/resource_handler.h"
#include "edge/resource_rpcs.h"
#include "edge/tenant_discovery.h"
#include "grpcpp/impl/codegen/channel_interface.h"

namespace scim::edge {

// What /readyz answers: the edge's own flag and the services it calls.
// Degraded, not down: while some dependency answers, the edge stays ready
// (requests that need a missing one get 503 with Retry-After), so that a
// restart of one service behind it does not take every edge out of the load
// balancer. Only when none has been reachable for `grace` is it unready.
class Readiness {
 public:
  Readiness(Clock* clock, absl::Duration grace) : clock_(clock), grace_(grace) {}
  // Never reads the clock when going unready: the edge's destructor calls
  // it, and a test's fake clock may already be gone.
  void SetReady(bool ready) {
    if (ready) last_reachable_ = absl::ToUnixNanos(clock_->Now());
    ready_ = ready;
  }
  // A service the edge calls, through `channel`.
  void AddDependency(std::string name,
                     std::shared_ptr<grpc::ChannelInterface> channel);
  // OK with "" (all reachable) or the unreachable ones (degraded); not OK
  // when not ready, saying why (the detail of the 503).
  absl::StatusOr<std::string> Check() const;

 private:
  Clock* const clock_;
  const absl::Duration grace_;
  std::atomic<bool> ready_{false};
  // When some dependency last answered (Unix ns).
  mutable std::atomic<int64_t> last_reachable_{0};
  std::vector<std::pair<std::string, std::shared_ptr<grpc::ChannelInterface>>>
      dependencies_;
};

class Router {
 public:
  // Every handler is borrowed and must outlive the router.
  // Discovery answers from the tenant's registry (`discovery`);
  // `max_body_bytes` is advertised by /ServiceProviderConfig.
  Router(const Readiness* readiness, OAuthHandler* oauth, Admission* admission,
         ResourceRpcs* users, ResourceRpcs* groups, ResourceHandler* resources,
         BulkHandler* bulk, const TenantDiscovery* discovery, size_t max_body_bytes);

  // Answers `call` (and sets call.route, call.tenant) by its path.
  void Dispatch(Call& call);
  // /admin/api/ goes to `admin`, and /admin/ is the console on top of it
  // (null: no such routes).
  void set_admin(AdminApi* admin) { admin_ = admin; }

 private:
  const Readiness* readiness_;
  OAuthHandler* oauth_;
  Admission* admission_;
  ResourceRpcs* users_;
  ResourceRpcs* groups_;
  ResourceHandler* resources_;
  BulkHandler* bulk_;
  const TenantDiscovery* discovery_;
  const size_t max_body_bytes_;
  AdminApi* admin_ = nullptr;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ROUTER_H_
