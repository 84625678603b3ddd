#include "identity-service/tenant_fence.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "events/event_log.h"
#include "identity-service/keys.h"

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

class FencedTransaction final : public KvTransaction {
 public:
  FencedTransaction(std::unique_ptr<KvTransaction> inner, const TenantFence* fence)
      : inner_(std::move(inner)), fence_(fence) {}

  absl::StatusOr<std::optional<std::string>> GetForUpdate(absl::string_view cf,
                                                          absl::string_view key) override {
    return inner_->GetForUpdate(cf, key);
  }
  absl::Status Put(absl::string_view cf, absl::string_view key, absl::string_view value) override {
    Touch(cf, key);
    return inner_->Put(cf, key, value);
  }
  absl::Status Delete(absl::string_view cf, absl::string_view key) override {
    Touch(cf, key);
    return inner_->Delete(cf, key);
  }
  absl::Status AddToCounter(absl::string_view cf, absl::string_view key, int64_t delta) override {
    Touch(cf, key);
    return inner_->AddToCounter(cf, key, delta);
  }
  absl::Status Scan(absl::string_view cf, absl::string_view prefix, absl::string_view start,
                    const ScanFn& fn) override {
    return inner_->Scan(cf, prefix, start, fn);
  }
  absl::Status Commit() override {
    if (touched_.empty()) return inner_->Commit();
    if (absl::Status s = fence_->Enter(touched_); !s.ok()) return s;
    absl::Status s = inner_->Commit();
    fence_->Exit();
    return s;
  }

 private:
  void Touch(absl::string_view cf, absl::string_view key) {
    std::string tenant = FencedTenantOf(cf, key);
    if (!tenant.empty()) touched_.insert(std::move(tenant));
  }

  std::unique_ptr<KvTransaction> inner_;
  const TenantFence* const fence_;
  std::set<std::string> touched_;
};

class FencedKvStore final : public KvStore {
 public:
  FencedKvStore(std::unique_ptr<KvStore> inner, TenantFence* fence)
      : inner_(std::move(inner)), fence_(fence) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf,
                                                 absl::string_view key) override {
    return inner_->Get(cf, key);
  }
  absl::Status Scan(absl::string_view cf, absl::string_view prefix, absl::string_view start,
                    const ScanFn& fn) override {
    return inner_->Scan(cf, prefix, start, fn);
  }
  absl::Status ScanBackward(absl::string_view cf, absl::string_view prefix,
                            absl::string_view before, const ScanFn& fn) override {
    return inner_->ScanBackward(cf, prefix, before, fn);
  }
  std::unique_ptr<KvTransaction> BeginTransaction() override {
    return std::make_unique<FencedTransaction>(inner_->BeginTransaction(), fence_);
  }
  std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() override {
    return std::make_unique<FencedTransaction>(inner_->BeginUnsyncedTransaction(), fence_);
  }
  std::vector<std::pair<std::string, double>> Stats() override { return inner_->Stats(); }
  // Bulk loads and range deletes are the move's own (the tenant is not
  // served here meanwhile): not fenced.
  absl::Status IngestSorted(absl::string_view cf,
                            const std::vector<std::pair<std::string, std::string>>& rows) override {
    return inner_->IngestSorted(cf, rows);
  }
  absl::Status DeleteRange(absl::string_view cf, absl::string_view begin,
                           absl::string_view end) override {
    return inner_->DeleteRange(cf, begin, end);
  }
  absl::Status CreateCheckpoint(const std::string& dir) override {
    return inner_->CreateCheckpoint(dir);
  }

 private:
  std::unique_ptr<KvStore> inner_;
  TenantFence* const fence_;
};

}  // namespace

std::unique_ptr<KvStore> NewFencedKvStore(std::unique_ptr<KvStore> inner, TenantFence* fence) {
  return std::make_unique<FencedKvStore>(std::move(inner), fence);
}

}  // namespace scim::identity
