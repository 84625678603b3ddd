#include "identity-service/tenant_registry.h"

#include <utility>
#include <vector>

#include "common/status.h"

namespace scim::identity {

absl::StatusOr<std::unique_ptr<const SchemaRegistry>> BuildTenantRegistry(
    const TenantSchemaSet& set) {
  std::vector<ExtensionSchema> extensions;
  extensions.reserve(set.schemas.size());
  for (const LoadedSchema& loaded : set.schemas) extensions.push_back(loaded.schema);
  return SchemaRegistry::WithExtensions(std::move(extensions));
}

absl::StatusOr<std::shared_ptr<const SchemaRegistry>> TenantRegistries::For(
    absl::string_view tenant) {
  ASSIGN_OR_RETURN(uint64_t version, schemas_->Version(tenant));
  // A tenant that never had a schema needs no entry of its own.
  std::shared_ptr<const SchemaRegistry> core(std::shared_ptr<const SchemaRegistry>(), core_);
  if (version == 0) return core;
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(tenant);
    if (it != cache_.end() && it->second.version == version) return it->second.registry;
  }
  ASSIGN_OR_RETURN(TenantSchemaSet set, schemas_->Load(tenant));
  std::shared_ptr<const SchemaRegistry> registry = core;
  if (!set.schemas.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<const SchemaRegistry> built, BuildTenantRegistry(set));
    registry = std::move(built);
  }
  absl::MutexLock lock(&mu_);
  Cached& cached = cache_[tenant];
  // Another request may have cached this version, or a newer one, meanwhile:
  // then that one, so that one version has one registry (TenantStores makes
  // a store per registry).
  if (cached.registry == nullptr || cached.version < set.version) {
    cached = Cached{set.version, registry};
  }
  return cached.registry;
}

}  // namespace scim::identity
