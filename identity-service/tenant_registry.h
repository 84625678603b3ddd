// The schema registry a tenant's requests run with: Core() for a tenant
// without extension schemas, else Core() plus its stored extension schemas
// (SchemaRegistry::WithExtensions), built once per schema version.
#ifndef SCIM_IDENTITY_SERVICE_TENANT_REGISTRY_H_
#define SCIM_IDENTITY_SERVICE_TENANT_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "identity-service/tenant_schemas.h"
#include "scim/schema.h"

namespace scim::identity {

// The registry of `set` (Core() plus its schemas, with their field numbers).
absl::StatusOr<std::unique_ptr<const SchemaRegistry>> BuildTenantRegistry(
    const TenantSchemaSet& set);

class TenantRegistries {
 public:
  // `core` serves tenants without schemas (and must outlive this).
  TenantRegistries(TenantSchemas* schemas, const SchemaRegistry* core)
      : schemas_(schemas), core_(core) {}

  // One point read (the tenant's schema version) when the cached registry
  // is current; a load and a build when the schemas changed.
  absl::StatusOr<std::shared_ptr<const SchemaRegistry>> For(absl::string_view tenant);

 private:
  struct Cached {
    uint64_t version = 0;
    std::shared_ptr<const SchemaRegistry> registry;
  };
  TenantSchemas* const schemas_;
  const SchemaRegistry* const core_;
  absl::Mutex mu_;
  // Bounded by the tenants that have schemas.
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_REGISTRY_H_
