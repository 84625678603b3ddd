#include "edge/edge_component.h"

#include "clients/audit/audit_sink.h"
#include "edge/admin/redis_session_store.h"
#include "edge/edge_flags.h"

namespace scim::edge {

EdgeComponent::EdgeComponent(EdgePeers peers, std::shared_ptr<RedisClient> redis,
                             EtagCache* etags, const SchemaRegistry* registry,
                             EdgeOptions options, Runtime runtime)
    : authenticator_(peers.token, runtime.clock),
      rate_limiter_(NewRateLimiter(redis, runtime.clock)) {
  if (peers.audit != nullptr) {
    denials_ = std::make_unique<DenialRecorder>(
        audit::NewGrpcAuditSink(std::move(peers.audit), peers.denial_token),
        runtime.clock, runtime.random);
  }
  server_ = std::make_unique<EdgeServer>(
      EdgeDeps{std::move(peers.identity), &authenticator_, registry,
               runtime.random, denials_.get(), rate_limiter_.get(),
               runtime.clock, std::move(peers.schemas), peers.identity_router,
               std::move(peers.local_users), std::move(peers.local_groups)},
      std::move(options));
  if (peers.identity_router != nullptr) server_->RouteSchemasByShard();
  if (etags != nullptr) server_->EnableEtagCache(etags);
  // With Redis, console sessions are shared by every edge replica.
  server_->EnableAdmin(peers.token, peers.console_audit,
                       redis == nullptr ? nullptr
                                        : std::make_unique<RedisSessionStore>(
                                              redis, runtime.clock, runtime.random));
  server_->EnableOAuth(std::move(peers.token));
}

}  // namespace scim::edge
