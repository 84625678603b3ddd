// audit-service assembled: RocksDB, signing key, store, gRPC service, and the
// retention pruner.
#ifndef SCIM_AUDIT_SERVICE_AUDIT_COMPONENT_H_
#define SCIM_AUDIT_SERVICE_AUDIT_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clients/token/authenticator.h"
#include "common/metrics.h"
#include "common/periodic_worker.h"
#include "common/runtime.h"
#include "audit-service/audit_service.h"
#include "audit-service/audit_store.h"
#include "common/signing_key.h"

namespace scim::audit {

class AuditComponent {
 public:
  // RocksDB in `db_dir`; the checkpoint signing key in db_dir/signing.key,
  // sealed under `kek` when one is given.
  static absl::StatusOr<std::unique_ptr<AuditComponent>> Open(
      const std::string& db_dir, const std::string& admin_token,
      Runtime runtime, const KeyEncryption* kek = nullptr);
  // The layout its database is written in (checked on open, recorded in
  // backups).
  static DataFormat data_format() { return {"audit", kDataFormat}; }
  // The key the trail's checkpoints are signed with, beside the database
  // (backups carry it: a restored trail must verify).
  static constexpr char kSigningKeyFile[] = "signing.key";
  // The database, for backups (backup/backup_service.h).
  KvStore& kv() { return *kv_; }
  AuditComponent(std::unique_ptr<KvStore> kv, SigningKey signer,
                 const std::string& admin_token, Runtime runtime);
  ~AuditComponent();

  // Every `every`, prunes each tenant's events older than `retention`
  // (leaving signed checkpoints). Zero retention keeps everything.
  void StartRetention(absl::Duration retention,
                      absl::Duration every = absl::Minutes(10));

  // Lets a setup link's console read its own tenant's trail (Query, Verify):
  // credentials are checked with `token` (token-service).
  void EnableTenantReaders(std::shared_ptr<v1::TokenService::StubInterface> token);

  grpc::Service* service() { return &service_; }
  // The retention loop once started, else null (tests wait on its runs).
  PeriodicWorker* retention_loop() { return pruner_.get(); }
  AuditStore& store() { return store_; }

 private:
  const Runtime runtime_;
  std::unique_ptr<KvStore> kv_;
  // Declared after kv_: unregistered before the store closes.
  GaugeHook store_metrics_;
  SigningKey signer_;
  AuditStore store_;
  AuditServiceImpl service_;
  std::unique_ptr<token::Authenticator> readers_;
  std::unique_ptr<PeriodicWorker> pruner_;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_COMPONENT_H_
