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
class Readiness {
 public:
  void SetReady(bool ready) { ready_ = ready; }
  // Not ready while `channel` cannot connect.
  void AddDependency(std::string name,
                     std::shared_ptr<grpc::ChannelInterface> channel);
  // OK when ready; otherwise why not (the detail of the 503).
  absl::Status Check() const;

 private:
  std::atomic<bool> ready_{false};
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
