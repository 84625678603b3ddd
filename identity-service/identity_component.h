// identity-service assembled: RocksDB, outbox, shipper, gRPC service. Used by
// the identity-service binary and by scimd alike.
#ifndef SCIM_IDENTITY_SERVICE_IDENTITY_COMPONENT_H_
#define SCIM_IDENTITY_SERVICE_IDENTITY_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "common/periodic_worker.h"
#include "common/runtime.h"
#include "identity-service/identity_service.h"
#include "clients/audit/outbox.h"
#include "events/event_log.h"
#include "events/event_service.h"
#include "identity-service/resource_store.h"
#include "identity-service/schema_service.h"
#include "identity-service/shard_service.h"
#include "identity-service/tenant_fence.h"
#include "identity-service/tenant_index_builder.h"
#include "identity-service/tenant_schemas.h"
#include "identity-service/tenant_stores.h"
#include "webhooks/destination_guard.h"
#include "webhooks/dispatcher.h"
#include "webhooks/httplib_sender.h"
#include "webhooks/webhook_service.h"
#include "webhooks/webhook_store.h"

namespace scim::identity {

struct IdentityOptions {
  events::EventLogOptions events;
  // Webhooks may target loopback and private addresses.
  bool allow_private_webhooks = false;
  int webhook_threads = 4;
  // Encrypts webhook signing secrets at rest (optional; must outlive the
  // component).
  const KeyEncryption* kek = nullptr;
  // The webhooks' HTTP client (tests shorten its timeouts).
  webhooks::HttplibSenderOptions webhook_sender;
};

class IdentityComponent {
 public:
  // Opens (creating) the RocksDB under `db_dir`.
  // `registry` (which must outlive the component) holds the schemas served.
  static absl::StatusOr<std::unique_ptr<IdentityComponent>> Open(
      const std::string& db_dir, const SchemaRegistry* registry, Runtime runtime,
      IdentityOptions options = {});
  // The layout its database is written in (checked on open, recorded in
  // backups).
  static DataFormat data_format() { return {"identity", kDataFormat}; }
  // The database, for backups (backup/backup_service.h).
  KvStore& kv() { return *kv_; }
  // Same over any store (tests).
  // `cursor_key` signs pagination cursors (empty: random per process).
  IdentityComponent(std::unique_ptr<KvStore> kv, const SchemaRegistry* registry,
                    Runtime runtime, std::string cursor_key = "",
                    IdentityOptions options = {});
  ~IdentityComponent();

  // The services this one calls, and the admin token it calls them with.
  struct Peers {
    std::shared_ptr<v1::TokenService::StubInterface> token;
    std::shared_ptr<v1::AuditService::StubInterface> audit;
    std::string admin_token;
  };
  // Once serving, in every binary that embeds it: lets RPCs in, ships the
  // outbox to audit and purges tombstones older than `tombstone_retention`.
  void Start(Peers peers, absl::Duration tombstone_retention);
  // Before the server goes: stops purging and flushes what it can of the
  // outbox (while audit-service is still reachable).
  void Stop();

  // The parts of Start() and Stop(), for tests.
  // Lets RPCs in: checks their credentials through `token` (cached), or
  // accepts the admin token.
  void EnableAuthorization(
      std::shared_ptr<v1::TokenService::StubInterface> token,
      const std::string& admin_token);

  // Starts shipping the outbox to `audit` with the admin token.
  void StartShipping(std::shared_ptr<v1::AuditService::StubInterface> audit,
                     const std::string& admin_token);
  // Flushes what it can of the outbox and stops the shipper.
  void StopShipping();

  // Soft-deleted users are kept `retention`; a background loop purges the
  // expired ones every `interval`.
  void StartPurging(absl::Duration retention,
                    absl::Duration interval = absl::Minutes(1));
  void StopPurging();

  // Builds tenants' custom indexes online (tenant_index_builder.h).
  void StartIndexBuilds() { index_builder_.Start(); }
  void StopIndexBuilds() { index_builder_.Stop(); }
  TenantIndexBuilder& index_builder() { return index_builder_; }

  grpc::Service* service() { return &service_; }
  // The same service for a caller in this process (scimd's edge), which
  // calls its typed operations directly.
  IdentityServiceImpl& identity_service() { return service_; }
  // With tenant shards: every RPC first checks that this shard serves the
  // tenant (IdentityServiceImpl::set_tenant_owner_check).
  void set_tenant_owner_check(std::function<absl::Status(const std::string&)> check) {
    service_.set_tenant_owner_check(std::move(check));
  }
  // With tenant shards (--etcd): this is shard `self` of `map` (borrowed,
  // outlives the component). Tenants elsewhere are refused, and the shard
  // serves its side of tenant moves (ShardService). Call before serving.
  void EnableShards(const std::string& admin_token, int self, sharding::ShardMap* map);
  // Every gRPC service it serves: identity, events, webhooks, schemas (and
  // ShardService when sharded).
  std::vector<grpc::Service*> services() {
    std::vector<grpc::Service*> all = {&service_, &event_service_, &webhook_service_,
                                       &schema_service_};
    if (shard_service_ != nullptr) all.push_back(shard_service_.get());
    return all;
  }
  events::EventLog& events() { return events_; }
  ResourceStore& store() { return store_; }
  // The tenants' extension schemas (what per-tenant registries are built
  // from).
  TenantSchemas& schemas() { return schemas_; }
  audit::Outbox& outbox() { return outbox_; }

 private:
  // The resource an event is about, as it is now (include_resource).
  absl::StatusOr<std::optional<google::protobuf::Any>> ReadForEvent(
      absl::string_view tenant, absl::string_view type, absl::string_view id);

  const Runtime runtime_;
  // Holds a moving tenant's data still; every write of kv_ passes it.
  TenantFence fence_;
  std::unique_ptr<KvStore> kv_;
  // Declared after kv_: unregistered before the store closes.
  GaugeHook store_metrics_;
  audit::Outbox outbox_;
  events::EventLog events_;
  ResourceStore store_;
  IdentityServiceImpl service_;
  events::EventServiceImpl event_service_;
  webhooks::DestinationGuard webhook_guard_;
  webhooks::WebhookStore webhook_store_;
  webhooks::HttplibSender webhook_sender_;
  webhooks::Dispatcher dispatcher_;
  webhooks::WebhookServiceImpl webhook_service_;
  TenantSchemas schemas_;
  SchemaServiceImpl schema_service_;
  // Each tenant's requests run on the store with its schemas.
  TenantStores tenant_stores_;
  TenantIndexBuilder index_builder_;
  std::unique_ptr<token::Authenticator> authenticator_;
  std::unique_ptr<ShardServiceImpl> shard_service_;
  std::unique_ptr<PeriodicWorker> purger_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IDENTITY_COMPONENT_H_
