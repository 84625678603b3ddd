// identity-service assembled: RocksDB, outbox, shipper, gRPC service. Used by
// the identity-service binary and by scimd alike.
#ifndef SCIM_IDENTITY_SERVICE_IDENTITY_COMPONENT_H_
#define SCIM_IDENTITY_SERVICE_IDENTITY_COMPONENT_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "identity-service/identity_service.h"
#include "audit-service/outbox.h"
#include "identity-service/resource_store.h"

namespace scim::identity {

class IdentityComponent {
 public:
  // Opens (creating) the RocksDB under `db_dir`.
  static absl::StatusOr<std::unique_ptr<IdentityComponent>> Open(
      const std::string& db_dir);
  // Same over any store (tests).
  // `cursor_key` signs pagination cursors (empty: random per process).
  IdentityComponent(std::unique_ptr<KvStore> kv, std::string cursor_key = "");
  ~IdentityComponent();

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

  // Soft-deleted users are kept `retention`; a background thread purges
  // the expired ones every `interval`.
  void StartPurging(absl::Duration retention,
                    absl::Duration interval = absl::Minutes(1));
  void StopPurging();

  grpc::Service* service() { return &service_; }
  ResourceStore& store() { return store_; }
  audit::Outbox& outbox() { return outbox_; }

 private:
  std::unique_ptr<KvStore> kv_;
  // Declared after kv_: unregistered before the store closes.
  GaugeHook store_metrics_;
  audit::Outbox outbox_;
  ResourceStore store_;
  IdentityServiceImpl service_;
  std::unique_ptr<token::Authenticator> authenticator_;
  absl::Mutex purge_mu_;
  bool stop_purging_ ABSL_GUARDED_BY(purge_mu_) = false;
  std::thread purger_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IDENTITY_COMPONENT_H_
