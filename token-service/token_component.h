// token-service assembled: RocksDB, store, gRPC service.
#ifndef SCIM_TOKEN_SERVICE_TOKEN_COMPONENT_H_
#define SCIM_TOKEN_SERVICE_TOKEN_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/metrics.h"
#include "common/key_encryption.h"
#include "common/runtime.h"
#include "token-service/token_service.h"
#include "token-service/token_store.h"

namespace scim::token {

class TokenComponent {
 public:
  static absl::StatusOr<std::unique_ptr<TokenComponent>> Open(
      const std::string& db_dir, const std::string& admin_token,
      Runtime runtime, const KeyEncryption* kek = nullptr);
  // The layout its database is written in (checked on open, recorded in
  // backups).
  static DataFormat data_format() { return {"token", kDataFormat}; }
  // The database, for backups (backup/backup_service.h).
  KvStore& kv() { return *kv_; }
  // `kek` (optional, outliving the component) seals signing keys at rest.
  TokenComponent(std::unique_ptr<KvStore> kv, const std::string& admin_token,
                 Runtime runtime, const KeyEncryption* kek = nullptr);

  ~TokenComponent();

  // Starts shipping key and tenant events to `audit` with the admin token.
  void StartShipping(std::shared_ptr<v1::AuditService::StubInterface> audit,
                     const std::string& admin_token);
  // Flushes what it can of the outbox and stops the shipper.
  void StopShipping();

  grpc::Service* service() { return &service_; }
  TokenStore& store() { return store_; }
  OAuthStore& oauth() { return oauth_; }
  SetupLinkStore& setup_links() { return links_; }
  audit::Outbox& outbox() { return outbox_; }

 private:
  const Runtime runtime_;
  std::unique_ptr<KvStore> kv_;
  // Declared after kv_: unregistered before the store closes.
  GaugeHook store_metrics_;
  audit::Outbox outbox_;
  TokenStore store_;
  OAuthStore oauth_;
  SetupLinkStore links_;
  TokenServiceImpl service_;
};

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_TOKEN_COMPONENT_H_
