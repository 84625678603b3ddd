// The edge assembled from its peers: credential checks, the record of
// refused requests, rate limits, the ETag cache, OAuth and the HTTP server.
// The scim-edge binary and scimd both build their edge here.
#ifndef SCIM_EDGE_EDGE_COMPONENT_H_
#define SCIM_EDGE_EDGE_COMPONENT_H_

#include <memory>
#include <string>

#include "clients/token/authenticator.h"
#include "common/etag_cache.h"
#include "common/redis_client.h"
#include "common/runtime.h"
#include "edge/denial_recorder.h"
#include "edge/edge_server.h"
#include "edge/rate_limiter.h"
#include "scim/schema.h"
#include "scim/v1/audit.grpc.pb.h"
#include "scim/v1/identity.grpc.pb.h"
#include "scim/v1/schemas.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"

namespace scim::edge {

// The services the edge calls.
struct EdgePeers {
  std::shared_ptr<v1::IdentityService::StubInterface> identity;
  std::shared_ptr<v1::TokenService::StubInterface> token;
  // Where refused requests are recorded, with the denial recorder's
  // credential (common/admin_token.h: never the admin token); null: they
  // are not recorded.
  std::shared_ptr<v1::AuditService::StubInterface> audit;
  std::string denial_token;
  // Each tenant's own schemas, which discovery shows; null: only the core.
  std::shared_ptr<v1::SchemaService::StubInterface> schemas;
  // What the console's activity screen reads, with the signed-in admin's
  // token; null: no activity screen.
  std::shared_ptr<v1::AuditService::StubInterface> console_audit;
  // With tenant shards (--etcd): routes each tenant's identity calls; then
  // `identity` and `schemas` are unused.
  std::shared_ptr<sharding::IdentityRouter> identity_router;
  // identity-service in this process (scimd, EdgeDeps): Users and Groups
  // calls go to it directly.
  std::shared_ptr<ResourceRpcs> local_users;
  std::shared_ptr<ResourceRpcs> local_groups;
};

class EdgeComponent {
 public:
  // `redis` (null: in-process rate limits) is shared with `etags` (null: no
  // ETag cache); `registry` and `etags` outlive the component.
  EdgeComponent(EdgePeers peers, std::shared_ptr<RedisClient> redis,
                EtagCache* etags, const SchemaRegistry* registry,
                EdgeOptions options, Runtime runtime);

  EdgeServer& server() { return *server_; }

 private:
  token::Authenticator authenticator_;
  std::unique_ptr<DenialRecorder> denials_;
  std::unique_ptr<RateLimiter> rate_limiter_;
  // Last: stopped first, while what it calls still lives.
  std::unique_ptr<EdgeServer> server_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_COMPONENT_H_
