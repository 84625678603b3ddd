#include "audit-service/audit_component.h"

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/log.h"
#include "common/status.h"

namespace scim::audit {

absl::StatusOr<std::unique_ptr<AuditComponent>> AuditComponent::Open(
    const std::string& db_dir, const std::string& admin_token,
    Runtime runtime, const KeyEncryption* kek) {
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies(),
                               InDataFormat(data_format()));
  if (!kv.ok()) return kv.status();
  auto signer =
      SigningKey::LoadOrCreate(db_dir + "/" + kSigningKeyFile, *runtime.random, kek);
  if (!signer.ok()) return signer.status();
  return std::make_unique<AuditComponent>(std::move(*kv), std::move(*signer),
                                          admin_token, runtime);
}

AuditComponent::AuditComponent(std::unique_ptr<KvStore> kv, SigningKey signer,
                               const std::string& admin_token,
                               Runtime runtime)
    : runtime_(runtime),
      kv_(std::move(kv)),
      store_metrics_("rocksdb", "store", "audit", [this] { return kv_->Stats(); }),
      signer_(std::move(signer)),
      store_(kv_.get(), &signer_, runtime.clock),
      service_(&store_, admin_token) {}

void AuditComponent::EnableTenantReaders(
    std::shared_ptr<v1::TokenService::StubInterface> token) {
  if (readers_ != nullptr) return;
  readers_ = std::make_unique<token::Authenticator>(std::move(token), runtime_.clock);
  token::Authenticator* readers = readers_.get();
  service_.EnableTenantReaders(
      [readers](const grpc::ServerContext& context, const std::string& tenant) -> absl::Status {
        ASSIGN_OR_RETURN(token::Principal principal,
                         readers->Verify(BearerFromMetadata(context)));
        // The tenant's own API keys are for its IdP, which has no business
        // in the audit trail: only the console of a setup link reads here.
        if (!principal.read_only || principal.tenant != tenant) {
          return ScimError(absl::StatusCode::kPermissionDenied, "",
                           absl::StrCat("this credential cannot read the audit trail of '",
                                        tenant, "'"));
        }
        return absl::OkStatus();
      });
}

AuditComponent::~AuditComponent() {
  if (pruner_) pruner_->Stop();
}

void AuditComponent::StartRetention(absl::Duration retention,
                                    absl::Duration every) {
  if (retention <= absl::ZeroDuration()) return;
  if (pruner_) pruner_->Stop();
  pruner_ = std::make_unique<PeriodicWorker>(
      "audit-retention", runtime_.clock, [this, retention, every] {
        auto tenants = store_.Tenants();
        for (const auto& tenant : tenants.ok() ? *tenants
                                               : std::vector<std::string>()) {
          if (pruner_->stopping()) break;
          auto pruned = store_.Prune(tenant, runtime_.clock->Now() - retention);
          if (!pruned.ok()) {
            LogWarning("audit retention failed",
                       {{"tenant", tenant}, {"error", pruned.status().ToString()}});
          } else if (pruned->pruned() > 0) {
            LogInfo("audit retention pruned events",
                    {{"tenant", tenant},
                     {"pruned", std::to_string(pruned->pruned())}});
          }
        }
        return PeriodicWorker::Wait::For(every);
    });
  pruner_->Start();
}

}  // namespace scim::audit
