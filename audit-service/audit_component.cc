#include "audit-service/audit_component.h"

#include "common/log.h"

namespace scim::audit {

absl::StatusOr<std::unique_ptr<AuditComponent>> AuditComponent::Open(
    const std::string& db_dir, const std::string& admin_token) {
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies());
  if (!kv.ok()) return kv.status();
  auto signer =
      SigningKey::LoadOrCreate(db_dir + "/signing.key", *RandomSource::Secure());
  if (!signer.ok()) return signer.status();
  return std::make_unique<AuditComponent>(std::move(*kv), std::move(*signer),
                                          admin_token);
}

AuditComponent::AuditComponent(std::unique_ptr<KvStore> kv, SigningKey signer,
                               const std::string& admin_token)
    : kv_(std::move(kv)),
      store_metrics_("rocksdb", "store", "audit", [this] { return kv_->Stats(); }),
      signer_(std::move(signer)),
      store_(kv_.get(), &signer_, Clock::Real()),
      service_(&store_, admin_token) {}

AuditComponent::~AuditComponent() {
  stop_ = true;
  if (pruner_.joinable()) pruner_.join();
}

void AuditComponent::StartRetention(absl::Duration retention,
                                    absl::Duration every) {
  if (retention <= absl::ZeroDuration()) return;
  pruner_ = std::thread([this, retention, every] {
    while (!stop_) {
      auto tenants = store_.Tenants();
      for (const auto& tenant : tenants.ok() ? *tenants
                                             : std::vector<std::string>()) {
        auto pruned = store_.Prune(tenant, absl::Now() - retention);
        if (!pruned.ok()) {
          LogWarning("audit retention failed",
                     {{"tenant", tenant}, {"error", pruned.status().ToString()}});
        } else if (pruned->pruned() > 0) {
          LogInfo("audit retention pruned events",
                  {{"tenant", tenant},
                   {"pruned", std::to_string(pruned->pruned())}});
        }
      }
      for (absl::Duration slept; slept < every && !stop_;
           slept += absl::Milliseconds(200)) {
        absl::SleepFor(absl::Milliseconds(200));
      }
    }
  });
}

}  // namespace scim::audit
