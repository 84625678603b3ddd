// The SCIM HTTP edge: routes /t/{tenant}/scim/v2/..., authenticates bearer
// credentials, translates SCIM JSON <-> protobuf and calls identity-service.
// It decides nothing about what a resource means.
//
// EdgeServer is the façade that owns and wires the pieces: http_server
// (listener), router (route table, health), admission (auth, rate limit),
// oauth_handler, resource_handler (CRUD) with conditional_get and
// patch_handler, bulk_handler, and the per-request access log and metrics.
#ifndef SCIM_EDGE_EDGE_SERVER_H_
#define SCIM_EDGE_EDGE_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/etag_cache.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/tls.h"
#include "clients/token/authenticator.h"
#include "edge/admission.h"
#include "edge/bulk_handler.h"
#include "edge/cidr_set.h"
#include "edge/conditional_get.h"
#include "edge/denial_recorder.h"
#include "edge/http_server.h"
#include "edge/oauth_handler.h"
#include "edge/rate_limiter.h"
#include "edge/resource_handler.h"
#include "edge/resource_rpcs.h"
#include "edge/admin/admin_api.h"
#include "edge/admin/session_store.h"
#include "edge/router.h"
#include "edge/tenant_discovery.h"
#include "grpcpp/impl/codegen/channel_interface.h"
#include "scim/v1/identity.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace scim::edge {

struct EdgeOptions {
  // The listener: body size, threads, connection caps, read deadlines,
  // trusted proxies, TLS (http_server.h).
  HttpServerOptions http;
  bool access_log = true;
  // What the binaries give Stop() on SIGTERM (--drain_timeout).
  absl::Duration drain_timeout = absl::Seconds(30);
  // /readyz stays 200 ("degraded") while any dependency answers; after this
  // long with none, 503 (--dependency_grace).
  absl::Duration dependency_grace = absl::Seconds(30);
};

// What the edge calls and is given. Pointers are borrowed and outlive the
// server.
struct EdgeDeps {
  std::shared_ptr<v1::IdentityService::StubInterface> identity;
  token::Authenticator* authenticator = nullptr;
  const SchemaRegistry* registry = nullptr;  // the core schemas
  RandomSource* random = nullptr;            // request ids
  DenialRecorder* denials = nullptr;     // optional: refusals in the audit log
  RateLimiter* rate_limiter = nullptr;   // optional: the tenants' rate limits
  Clock* clock = nullptr;  // connection deadlines, keep-alive, idle threads
  // Each tenant's own schemas, for discovery; null: only the core ones.
  std::shared_ptr<v1::SchemaService::StubInterface> schemas;
  // With tenant shards: routes each tenant's calls (then `identity` is unused).
  std::shared_ptr<sharding::IdentityRouter> identity_router;
  // identity-service in this process (scimd): the Users and Groups calls go
  // straight to it (TypedResourceRpcs over its implementation); null: over
  // gRPC like the edge's other identity calls (Bulk, discovery).
  std::shared_ptr<ResourceRpcs> local_users;
  std::shared_ptr<ResourceRpcs> local_groups;
};

class EdgeServer {
 public:
  EdgeServer(EdgeDeps deps, EdgeOptions options);
  ~EdgeServer();

  // Binds `host:port` (0 = any free port), serves in a background thread and
  // returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Stops accepting and waits for the serving thread.
  // Stops accepting; requests in flight finish within `drain` (the edge's
  // SIGTERM path: zero-drop rollouts), then every wait ends.
  void Stop(absl::Duration drain = absl::ZeroDuration());
  void SetReady(bool ready) { readiness_.SetReady(ready); }
  // With tenant shards (EdgeDeps::identity_router): each tenant's schemas
  // come from its shard too.
  void RouteSchemasByShard() { discovery_.set_router(identity_.get()); }
  // Serves POST /oauth/token (client credentials) and
  // GET /.well-known/jwks.json from token-service.
  void EnableOAuth(std::shared_ptr<v1::TokenService::StubInterface> token) {
    oauth_.set_token_service(std::move(token));
  }
  // Serves the console and its JSON API (/admin/, /admin/api/) over
  // `token`'s admin RPCs; its activity screen reads `audit` (null: none).
  // Sessions live in `sessions` (null: this edge's memory).
  void EnableAdmin(std::shared_ptr<v1::TokenService::StubInterface> token,
                   std::shared_ptr<v1::AuditService::StubInterface> audit,
                   std::unique_ptr<SessionStore> sessions = nullptr,
                   absl::Duration session_ttl = kDefaultSessionTtl);
  // GET If-None-Match is answered 304 from `cache` when it knows the
  // resource's current version: no identity-service call.
  void EnableEtagCache(EtagCache* cache) { conditional_.set_cache(cache); }
  // /readyz answers 503 while `channel` (a service the edge calls) cannot
  // connect.
  void AddDependency(std::string name,
                     std::shared_ptr<grpc::ChannelInterface> channel) {
    readiness_.AddDependency(std::move(name), std::move(channel));
  }

 private:
  // One request: request id, routing, then metrics and the access log.
  void Handle(const httplib::Request& req, httplib::Response& res);

  const bool access_log_;
  const CidrSet trusted_proxies_;
  RandomSource* const random_;
  std::shared_ptr<sharding::IdentityRouter> identity_;
  RoutedIdentity routed_;
  std::shared_ptr<ResourceRpcs> users_;
  std::shared_ptr<ResourceRpcs> groups_;
  Readiness readiness_;
  std::atomic<bool> draining_{false};
  OAuthHandler oauth_;
  Admission admission_;
  ConditionalGet conditional_;
  ResourceHandler resources_;
  BulkHandler bulk_;
  TenantDiscovery discovery_;
  Clock* const clock_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<AdminApi> admin_;
  Router router_;
  // Last: destroyed (stopped) first, while the handlers it calls still live.
  HttpServer http_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_SERVER_H_
