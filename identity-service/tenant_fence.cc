#include "identity-service/tenant_fence.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "events/event_log.h"
#include "identity-service/keys.h"
#include "storage/forwarding_kv_store.h"

namespace scim::identity {

void TenantFence::Freeze(const std::string& tenant) {
  // The writer lock waits for every commit holding the reader side.
  absl::WriterMutexLock lock(&mu_);
  frozen_.insert(tenant);
}

void TenantFence::Thaw(const std::string& tenant) {
  absl::WriterMutexLock lock(&mu_);
  frozen_.erase(tenant);
}

bool TenantFence::Frozen(const std::string& tenant) const {
  absl::ReaderMutexLock lock(&mu_);
  return frozen_.count(tenant) > 0;
}

std::set<std::string> TenantFence::FrozenTenants() const {
  absl::ReaderMutexLock lock(&mu_);
  return frozen_;
}

absl::Status TenantFence::Enter(const std::set<std::string>& touched) const {
  mu_.ReaderLock();
  for (const std::string& tenant : touched) {
    if (frozen_.count(tenant) > 0) {
      mu_.ReaderUnlock();
      return absl::UnavailableError(absl::StrCat(
          "tenant ", tenant, " is moving to another shard: its data cannot change for a "
          "moment; retry shortly"));
    }
    if (serves_ && !serves_(tenant)) {
      mu_.ReaderUnlock();
      return absl::UnavailableError(absl::StrCat(
          "tenant ", tenant, " has just moved to another shard; retry"));
    }
  }
  return absl::OkStatus();
}

void TenantFence::Exit() const { mu_.ReaderUnlock(); }

std::string FencedTenantOf(absl::string_view cf, absl::string_view key) {
  if (cf == kOutboxCf || cf == events::kPendingCf || cf == events::kEventsCf) return "";
  const size_t slash = key.find('/');
  // The schemas column family keeps a tenant's schema version at the bare
  // tenant id; index readiness markers ("~ready/...") belong to no tenant.
  absl::string_view tenant = slash == absl::string_view::npos ? key : key.substr(0, slash);
  if (tenant.empty() || tenant.front() == '~') return "";
  return std::string(tenant);
}

namespace {

class FencedTransaction final : public ForwardingKvTransaction {
 public:
  FencedTransaction(std::unique_ptr<KvTransaction> inner, const TenantFence* fence)
      : ForwardingKvTransaction(std::move(inner)), fence_(fence) {}

  absl::Status Put(absl::string_view cf, absl::string_view key, absl::string_view value) override {
    Touch(cf, key);
    return ForwardingKvTransaction::Put(cf, key, value);
  }
  absl::Status Delete(absl::string_view cf, absl::string_view key) override {
    Touch(cf, key);
    return ForwardingKvTransaction::Delete(cf, key);
  }
  absl::Status AddToCounter(absl::string_view cf, absl::string_view key, int64_t delta) override {
    Touch(cf, key);
    return ForwardingKvTransaction::AddToCounter(cf, key, delta);
  }
  absl::Status Commit() override {
    if (touched_.empty()) return ForwardingKvTransaction::Commit();
    if (absl::Status s = fence_->Enter(touched_); !s.ok()) return s;
    absl::Status s = ForwardingKvTransaction::Commit();
    fence_->Exit();
    return s;
  }

 private:
  void Touch(absl::string_view cf, absl::string_view key) {
    std::string tenant = FencedTenantOf(cf, key);
    if (!tenant.empty()) touched_.insert(std::move(tenant));
  }

  const TenantFence* const fence_;
  std::set<std::string> touched_;
};

// Transactions are fenced; bulk loads and range deletes are the move's own
// (the tenant is not served here meanwhile): not fenced.
class FencedKvStore final : public ForwardingKvStore {
 public:
  FencedKvStore(std::unique_ptr<KvStore> inner, TenantFence* fence)
      : ForwardingKvStore(inner.get()), owned_(std::move(inner)), fence_(fence) {}

  std::unique_ptr<KvTransaction> BeginTransaction() override {
    return std::make_unique<FencedTransaction>(inner()->BeginTransaction(), fence_);
  }
  std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() override {
    return std::make_unique<FencedTransaction>(inner()->BeginUnsyncedTransaction(), fence_);
  }

 private:
  const std::unique_ptr<KvStore> owned_;
  TenantFence* const fence_;
};

}  // namespace

std::unique_ptr<KvStore> NewFencedKvStore(std::unique_ptr<KvStore> inner, TenantFence* fence) {
  return std::make_unique<FencedKvStore>(std::move(inner), fence);
}

}  // namespace scim::identity
