#include "identity-service/identity_component.h"

#include "sharding/wrong_shard.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "common/secret_file.h"
#include "identity-service/keys.h"
#include "identity-service/message_fields.h"

namespace scim::identity {

absl::StatusOr<std::unique_ptr<IdentityComponent>> IdentityComponent::Open(
    const std::string& db_dir, const SchemaRegistry* registry, Runtime runtime,
    IdentityOptions options) {
  RocksDbKvStoreOptions store_options = InDataFormat(data_format());
  store_options.counter_column_families = {kCountsCf};
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies(), store_options);
  if (!kv.ok()) return kv.status();
  // Cursors must outlive a restart (and be shared by replicas of a shard).
  auto cursor_key = LoadOrCreateSecretFile(
      db_dir + "/cursor.key", HexEncode(runtime.random->Bytes(32)));
  if (!cursor_key.ok()) return cursor_key.status();
  return std::make_unique<IdentityComponent>(std::move(*kv), registry, runtime,
                                             *cursor_key, options);
}

IdentityComponent::IdentityComponent(std::unique_ptr<KvStore> kv,
                                     const SchemaRegistry* registry,
                                     Runtime runtime, std::string cursor_key,
                                     IdentityOptions options)
    : runtime_(runtime),
      kv_(NewFencedKvStore(std::move(kv), &fence_)),
      store_metrics_("rocksdb", "store", "identity", [this] { return kv_->Stats(); }),
      outbox_(kv_.get(), kOutboxCf, "identity"),
      events_(kv_.get(), runtime.clock, options.events),
      store_(kv_.get(), &outbox_, registry, runtime.clock, runtime.random,
             std::move(cursor_key)),
      service_(&store_),
      event_service_(&events_, [this](absl::string_view tenant, absl::string_view type,
                                      absl::string_view id) {
                       return ReadForEvent(tenant, type, id);
                     },
                     runtime.clock, runtime.random),
      webhook_guard_(options.allow_private_webhooks),
      webhook_store_(kv_.get(), &events_, &webhook_guard_, runtime, options.kek),
      webhook_sender_(options.webhook_sender),
      dispatcher_(&webhook_store_, &events_, &webhook_sender_, &webhook_guard_,
                  [this](absl::string_view tenant, absl::string_view type,
                         absl::string_view id) { return ReadForEvent(tenant, type, id); },
                  runtime, webhooks::DispatcherOptions{.threads = options.webhook_threads}),
      webhook_service_(&webhook_store_, &dispatcher_,
                       [this](const grpc::ServerContext& context, const std::string& tenant) {
                         return service_.AuthorizeTenant(context, tenant);
                       }),
      schemas_(kv_.get(), &outbox_, runtime),
      schema_service_(&schemas_,
                      [this](const grpc::ServerContext& context, const std::string& tenant) {
                        return service_.AuthorizeTenant(context, tenant);
                      },
                      [this](const grpc::ServerContext& context, const std::string& tenant) {
                        return service_.AuthorizeTenantRead(context, tenant);
                      }),
      tenant_stores_(&store_, &schemas_),
      index_builder_(&tenant_stores_, &schemas_, runtime.clock) {
  store_.set_event_log(&events_);
  service_.set_tenant_stores(&tenant_stores_);
  schemas_.set_changed_hook(
      [this](const std::string& tenant) { index_builder_.Schedule(tenant); });
  service_.set_tenant_deleted_hook([this](const std::string& tenant) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<v1::StoredWebhook> hooks, webhook_store_.List(tenant));
    RETURN_IF_ERROR(webhook_store_.RemoveTenant(tenant));
    for (const auto& hook : hooks) dispatcher_.Refresh(tenant, hook.webhook().id());
    return schemas_.RemoveTenant(tenant);
  });
  // Before any write is served. Should it fail, lists count by scanning.
  if (absl::Status s = store_.EnsureCounts(); !s.ok()) {
    LogError("cannot set up the resource counts; lists will count by scanning",
             {{"error", s.ToString()}});
  }
  // Likewise: until an index is built, filters on it scan.
  if (absl::StatusOr<int64_t> read = store_.EnsureIndexes(); !read.ok()) {
    LogError("cannot build the index entries; filters on new indexes will scan",
             {{"error", read.status().ToString()}});
  } else if (*read > 0) {
    LogInfo("index entries built", {{"resources", absl::StrCat(*read)}});
  }
}

IdentityComponent::~IdentityComponent() { Stop(); }

absl::StatusOr<std::optional<google::protobuf::Any>> IdentityComponent::ReadForEvent(
    absl::string_view tenant, absl::string_view type_name, absl::string_view id) {
  const ResourceType* type = type_name == UserResourceType().name    ? &UserResourceType()
                             : type_name == GroupResourceType().name ? &GroupResourceType()
                                                                     : nullptr;
  if (type == nullptr) return std::nullopt;
  // A group comes without its members: they may be many, and member events
  // carry each change.
  v1::Projection projection;
  if (!type->members_attribute.empty()) {
    projection.add_excluded_attributes(type->members_attribute);
  }
  ASSIGN_OR_RETURN(std::shared_ptr<ResourceStore> store, tenant_stores_.For(tenant));
  std::unique_ptr<google::protobuf::Message> resource = NewMessage(*type);
  absl::Status s = store->Get(*type, tenant, id, resource.get(),
                              store->ProjectionOf(*type, projection).get());
  if (absl::IsNotFound(s)) return std::nullopt;
  if (!s.ok()) return s;
  google::protobuf::Any any;
  any.PackFrom(*resource);
  return any;
}

void IdentityComponent::Start(Peers peers, absl::Duration tombstone_retention) {
  EnableAuthorization(std::move(peers.token), peers.admin_token);
  events_.Start();
  if (absl::Status s = dispatcher_.Start(); !s.ok()) {
    LogError("cannot start webhook delivery", {{"error", s.ToString()}});
  }
  StartShipping(std::move(peers.audit), peers.admin_token);
  StartPurging(tombstone_retention);
  StartIndexBuilds();
}

void IdentityComponent::Stop() {
  StopIndexBuilds();
  StopPurging();
  StopShipping();
  dispatcher_.Stop();
  events_.Stop();
}

void IdentityComponent::StartPurging(absl::Duration retention,
                                     absl::Duration interval) {
  store_.set_tombstone_retention(retention);
  StopPurging();
  purger_ = std::make_unique<PeriodicWorker>(
      "tombstone-purge", runtime_.clock, [this, interval] {
        absl::StatusOr<int64_t> purged = store_.PurgeTombstones();
        if (!purged.ok()) {
          LogWarning("tombstone purge failed",
                     {{"error", std::string(purged.status().message())}});
        } else if (*purged > 0) {
          LogInfo("tombstones purged", {{"count", absl::StrCat(*purged)}});
        }
        return PeriodicWorker::Wait::For(interval);
      });
  purger_->Start(/*first_wait=*/interval);
}

void IdentityComponent::StopPurging() {
  if (purger_) purger_->Stop();
  purger_.reset();
}

void IdentityComponent::EnableAuthorization(
    std::shared_ptr<v1::TokenService::StubInterface> token,
    const std::string& admin_token) {
  authenticator_ =
      std::make_unique<token::Authenticator>(std::move(token), runtime_.clock);
  service_.EnableAuthorization(authenticator_.get(), admin_token);
  event_service_.EnableAuthorization(
      [this](const grpc::ServerContext& context, const std::string& tenant) {
        return service_.AuthorizeTenant(context, tenant);
      },
      [this](const grpc::ServerContext& context) { return service_.AuthorizeAdmin(context); });
}

void IdentityComponent::StartShipping(
    std::shared_ptr<v1::AuditService::StubInterface> audit,
    const std::string& admin_token) {
  outbox_.StartShipping(audit::NewGrpcAuditSink(std::move(audit), admin_token),
                        runtime_.clock);
}

void IdentityComponent::StopShipping() { outbox_.StopShipping(); }

void IdentityComponent::EnableShards(const std::string& admin_token, int self,
                                     sharding::ShardMap* map) {
  set_tenant_owner_check(sharding::OwnershipCheck(map, self));
  fence_.set_owner_check([map, self](const std::string& tenant) {
    return map->Owner(tenant).shard == self;
  });
  shard_service_ = std::make_unique<ShardServiceImpl>(
      admin_token, self, map, kv_.get(), &fence_, &events_, runtime_.clock,
      [this](const std::string& tenant) {
        tenant_stores_.Forget(tenant);
        events_.ForgetTenant(tenant);
      });
  shard_service_->Start();
}

}  // namespace scim::identity
