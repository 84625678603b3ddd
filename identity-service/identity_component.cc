#include "identity-service/identity_component.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
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

IdentityComponent::~IdentityComponent() {
  StopPurging();
  StopShipping();
}

void IdentityComponent::StartPurging(absl::Duration retention,
                                     absl::Duration interval) {
  store_.set_tombstone_retention(retention);
  StopPurging();
  {
    absl::MutexLock lock(&purge_mu_);
    stop_purging_ = false;
  }
  purger_ = std::thread([this, interval] {
    absl::MutexLock lock(&purge_mu_);
    while (!purge_mu_.AwaitWithTimeout(absl::Condition(&stop_purging_), interval)) {
      purge_mu_.Unlock();
      absl::StatusOr<int64_t> purged = store_.PurgeTombstones();
      if (!purged.ok()) {
        LogWarning("tombstone purge failed",
                   {{"error", std::string(purged.status().message())}});
      } else if (*purged > 0) {
        LogInfo("tombstones purged", {{"count", absl::StrCat(*purged)}});
      }
      purge_mu_.Lock();
    }
  });
}

void IdentityComponent::StopPurging() {
  {
    absl::MutexLock lock(&purge_mu_);
    stop_purging_ = true;
  }
  if (purger_.joinable()) purger_.join();
}

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
