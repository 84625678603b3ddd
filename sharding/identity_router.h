// Which identity-service a tenant's call goes to: the one stub of an
// unsharded deployment, or the shard the shard map names (a channel per
// shard address). A call a shard refuses as not its tenant's is run once
// more after the tenant's placement is read again from etcd: the cache may be
// a moment behind a move.
#ifndef SCIM_SHARDING_IDENTITY_ROUTER_H_
#define SCIM_SHARDING_IDENTITY_ROUTER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "scim/v1/identity.grpc.pb.h"
#include "scim/v1/schemas.grpc.pb.h"
#include "sharding/shard_map.h"

namespace scim::sharding {

class IdentityRouter {
 public:
  using Stub = v1::IdentityService::StubInterface;

  // Every tenant on `channel` (no etcd: the one implicit shard).
  static std::unique_ptr<IdentityRouter> Fixed(std::shared_ptr<grpc::ChannelInterface> channel);
  // Every tenant on a stub of its own (tests).
  static std::unique_ptr<IdentityRouter> FixedStub(std::shared_ptr<Stub> stub);
  // By `map` (borrowed, outlives the router); channels with `credentials`.
  static std::unique_ptr<IdentityRouter> Sharded(ShardMap* map,
                                                 std::shared_ptr<grpc::ChannelCredentials> credentials);
  virtual ~IdentityRouter() = default;

  // Runs `attempt` against the identity-service serving `tenant`; `attempt`
  // makes its own ClientContext each time (a context serves one call).
  // A second "not my tenant" answers UNAVAILABLE: the tenant is between
  // shards (a move's last moment), and the client retries shortly.
  grpc::Status Run(const std::string& tenant,
                   const std::function<grpc::Status(Stub& stub)>& attempt);
  // The same for the schema service beside it. `attempts` 1 when the
  // caller's context cannot be made again (a refusal then answers 503).
  grpc::Status RunSchemas(const std::string& tenant,
                          const std::function<grpc::Status(v1::SchemaService::StubInterface&)>& attempt,
                          int attempts = 2);

 protected:
  struct Target {
    std::shared_ptr<Stub> identity;
    std::shared_ptr<v1::SchemaService::StubInterface> schemas;
  };
  // The tenant's shard's stubs; `refresh`: read the placement from etcd first.
  virtual absl::StatusOr<Target> For(const std::string& tenant, bool refresh) = 0;
};

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_IDENTITY_ROUTER_H_
