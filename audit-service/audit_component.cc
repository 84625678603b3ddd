#include "audit-service/audit_component.h"

namespace scim::audit {

absl::StatusOr<std::unique_ptr<AuditComponent>> AuditComponent::Open(
    const std::string& db_dir, const std::string& admin_token) {
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies());
  if (!kv.ok()) return kv.status();
  return std::make_unique<AuditComponent>(std::move(*kv), admin_token);
}

AuditComponent::AuditComponent(std::unique_ptr<KvStore> kv,
                               const std::string& admin_token)
    : kv_(std::move(kv)), store_(kv_.get()), service_(&store_, admin_token) {}

}  // namespace scim::audit
