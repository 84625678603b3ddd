#include "identity-service/identity_component.h"

#include "common/random.h"
#include "common/secret_file.h"
#include "identity-service/keys.h"

namespace scim::identity {

absl::StatusOr<std::unique_ptr<IdentityComponent>> IdentityComponent::Open(
    const std::string& db_dir) {
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies());
  if (!kv.ok()) return kv.status();
  // Cursors must outlive a restart (and be shared by replicas of a shard).
  auto cursor_key = LoadOrCreateSecretFile(
      db_dir + "/cursor.key", HexEncode(RandomSource::Secure()->Bytes(32)));
  if (!cursor_key.ok()) return cursor_key.status();
  return std::make_unique<IdentityComponent>(std::move(*kv), *cursor_key);
}

IdentityComponent::IdentityComponent(std::unique_ptr<KvStore> kv,
                                     std::string cursor_key)
    : kv_(std::move(kv)),
      store_metrics_("rocksdb", "store", "identity", [this] { return kv_->Stats(); }),
      outbox_(kv_.get(), kOutboxCf, "identity"),
      store_(kv_.get(), &outbox_, Clock::Real(), RandomSource::Secure(),
             std::move(cursor_key)),
      service_(&store_) {}

IdentityComponent::~IdentityComponent() { StopShipping(); }

void IdentityComponent::EnableAuthorization(
    std::shared_ptr<v1::TokenService::StubInterface> token,
    const std::string& admin_token) {
  authenticator_ =
      std::make_unique<token::Authenticator>(std::move(token), Clock::Real());
  service_.EnableAuthorization(authenticator_.get(), admin_token);
}

void IdentityComponent::StartShipping(
    std::shared_ptr<v1::AuditService::StubInterface> audit,
    const std::string& admin_token) {
  outbox_.StartShipping(audit::NewGrpcAuditSink(std::move(audit), admin_token));
}

void IdentityComponent::StopShipping() { outbox_.StopShipping(); }

}  // namespace scim::identity
