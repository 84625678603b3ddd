// audit-service assembled: RocksDB, store, gRPC service.
#ifndef SCIM_AUDIT_SERVICE_AUDIT_COMPONENT_H_
#define SCIM_AUDIT_SERVICE_AUDIT_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "audit-service/audit_service.h"
#include "audit-service/audit_store.h"

namespace scim::audit {

class AuditComponent {
 public:
  static absl::StatusOr<std::unique_ptr<AuditComponent>> Open(
      const std::string& db_dir, const std::string& admin_token);
  AuditComponent(std::unique_ptr<KvStore> kv, const std::string& admin_token);

  grpc::Service* service() { return &service_; }
  AuditStore& store() { return store_; }

 private:
  std::unique_ptr<KvStore> kv_;
  AuditStore store_;
  AuditServiceImpl service_;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_COMPONENT_H_
