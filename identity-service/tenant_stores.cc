#include "identity-service/tenant_stores.h"

#include <utility>

#include "common/status.h"

namespace scim::identity {

TenantStores::TenantStores(ResourceStore* base, TenantSchemas* schemas) : base_(base) {
  if (schemas != nullptr) {
    registries_ = std::make_unique<TenantRegistries>(schemas, &base->registry());
  }
}

absl::StatusOr<std::shared_ptr<ResourceStore>> TenantStores::For(absl::string_view tenant) {
  std::shared_ptr<ResourceStore> base(std::shared_ptr<ResourceStore>(), base_);
  if (registries_ == nullptr) return base;
  ASSIGN_OR_RETURN(std::shared_ptr<const SchemaRegistry> registry, registries_->For(tenant));
  if (registry.get() == &base_->registry()) return base;
  absl::MutexLock lock(&mu_);
  Cached& cached = cache_[tenant];
  if (cached.registry != registry) {
    cached = Cached{registry, base_->WithRegistry(registry)};
  }
  return cached.store;
}

void TenantStores::Forget(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  cache_.erase(tenant);
}

}  // namespace scim::identity
