// The store each tenant's requests run on: the base store for a tenant
// without extension schemas, else the same store with the tenant's registry
// (ResourceStore::WithRegistry), made once per schema version.
#ifndef SCIM_IDENTITY_SERVICE_TENANT_STORES_H_
#define SCIM_IDENTITY_SERVICE_TENANT_STORES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "identity-service/resource_store.h"
#include "identity-service/tenant_registry.h"
#include "identity-service/tenant_schemas.h"

namespace scim::identity {

class TenantStores {
 public:
  // `base` runs with the core registry and outlives this; `schemas` null:
  // every tenant gets `base`.
  TenantStores(ResourceStore* base, TenantSchemas* schemas);

  // A request holds the store it got for its whole run, so that a schema
  // change meanwhile cannot change the types under it.
  absl::StatusOr<std::shared_ptr<ResourceStore>> For(absl::string_view tenant);
  // Drops a tenant's store (its data and schemas were deleted).
  void Forget(absl::string_view tenant);
  // Whether no request holds a store of the tenant's earlier schemas any
  // more (writes through one would not know the current keys).
  bool EarlierReleased(absl::string_view tenant);

 private:
  struct Cached {
    std::shared_ptr<const SchemaRegistry> registry;
    std::shared_ptr<ResourceStore> store;
  };
  ResourceStore* const base_;
  std::unique_ptr<TenantRegistries> registries_;
  absl::Mutex mu_;
  // Bounded by the tenants that have schemas.
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  // Stores replaced by a schema change, while requests may hold them.
  absl::flat_hash_map<std::string, std::vector<std::weak_ptr<ResourceStore>>> earlier_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_STORES_H_
