// ShardService (proto/scim/v1/shards.proto): this identity shard's side of a
// tenant move. The shard map in etcd says who serves a tenant and whether it
// is frozen; this shard keeps its TenantFence in step with that (at start and
// every second), and refuses to load or drop a tenant it serves.
#ifndef SCIM_IDENTITY_SERVICE_SHARD_SERVICE_H_
#define SCIM_IDENTITY_SERVICE_SHARD_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/periodic_worker.h"
#include "events/event_log.h"
#include "identity-service/tenant_fence.h"
#include "identity-service/tenant_transfer.h"
#include "scim/v1/shards.grpc.pb.h"
#include "sharding/shard_map.h"

namespace scim::identity {

class ShardServiceImpl final : public v1::ShardService::Service {
 public:
  // Everything borrowed outlives the service. `forget` drops what the
  // process caches of a tenant whose data left (schemas, event numbers).
  ShardServiceImpl(std::string admin_token, int self, sharding::ShardMap* map, KvStore* kv,
                   TenantFence* fence, events::EventLog* events, Clock* clock,
                   std::function<void(const std::string&)> forget);
  ~ShardServiceImpl() override;

  // Freezes what the map says is frozen here, thaws what it no longer does,
  // and ends expired freezes (bumping the tenant's epoch first). Runs once
  // before serving (Start) and then every second.
  void SyncFreezes();
  void Start();

  grpc::Status FreezeTenant(grpc::ServerContext* context, const v1::TenantShardRequest* request,
                            v1::FreezeTenantResponse* response) override;
  grpc::Status ThawTenant(grpc::ServerContext* context, const v1::TenantShardRequest* request,
                          v1::ThawTenantResponse* response) override;
  grpc::Status ExportTenant(grpc::ServerContext* context, const v1::TenantShardRequest* request,
                            grpc::ServerWriter<v1::TenantRows>* writer) override;
  grpc::Status ImportTenant(grpc::ServerContext* context, grpc::ServerReader<v1::TenantRows>* reader,
                            v1::ImportTenantResponse* response) override;
  grpc::Status SummarizeTenant(grpc::ServerContext* context, const v1::TenantShardRequest* request,
                               v1::TenantSummary* response) override;
  grpc::Status DropTenant(grpc::ServerContext* context, const v1::TenantShardRequest* request,
                          v1::DropTenantResponse* response) override;

 private:
  // OK when etcd says this shard serves `tenant` (`serves`) or does not.
  absl::Status CheckServes(const std::string& tenant, bool serves);

  const std::string admin_token_;
  const int self_;
  sharding::ShardMap* const map_;
  TenantTransfer transfer_;
  TenantFence* const fence_;
  events::EventLog* const events_;
  Clock* const clock_;
  const std::function<void(const std::string&)> forget_;
  PeriodicWorker sync_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_SHARD_SERVICE_H_
