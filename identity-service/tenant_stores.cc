#include "identity-service/tenant_stores.h"

#include <algorithm>
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
    if (cached.store != nullptr) earlier_[tenant].push_back(cached.store);
    cached = Cached{registry, base_->WithRegistry(registry)};
  }
  return cached.store;
}

void TenantStores::Forget(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  cache_.erase(tenant);
}

bool TenantStores::EarlierReleased(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  auto it = earlier_.find(tenant);
  if (it == earlier_.end()) return true;
  auto& stores = it->second;
  stores.erase(std::remove_if(stores.begin(), stores.end(),
                              [](const std::weak_ptr<ResourceStore>& s) { return s.expired(); }),
               stores.end());
  if (!stores.empty()) return false;
  earlier_.erase(it);
  return true;
}

}  // namespace scim::identity
