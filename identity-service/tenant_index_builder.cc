#include "identity-service/tenant_index_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace scim::identity {

TenantIndexBuilder::TenantIndexBuilder(TenantStores* stores, TenantSchemas* schemas,
                                       Clock* clock)
    : stores_(stores), schemas_(schemas), clock_(clock) {}

TenantIndexBuilder::~TenantIndexBuilder() { Stop(); }

void TenantIndexBuilder::Start() {
  if (worker_ != nullptr) return;
  if (absl::StatusOr<std::vector<std::string>> tenants = schemas_->Tenants(); tenants.ok()) {
    for (const std::string& t : *tenants) Schedule(t);
  } else {
    LogError("cannot list the tenants with schemas; their indexes are built on their next "
             "schema change",
             {{"error", tenants.status().ToString()}});
  }
  worker_ = std::make_unique<PeriodicWorker>("tenant-indexes", clock_, [this] { return Step(); });
  worker_->Start();
}

void TenantIndexBuilder::Stop() {
  if (worker_ != nullptr) worker_->Stop();
  worker_.reset();
}

void TenantIndexBuilder::Schedule(const std::string& tenant) {
  {
    absl::MutexLock lock(&mu_);
    if (std::none_of(queue_.begin(), queue_.end(),
                     [&](const Pending& p) { return p.tenant == tenant; })) {
      queue_.push_back({tenant, absl::InfiniteFuture()});
    }
  }
  if (worker_ != nullptr) worker_->Wake();
}

int64_t TenantIndexBuilder::builds() const {
  absl::MutexLock lock(&mu_);
  return builds_;
}

int64_t TenantIndexBuilder::deferrals() const {
  absl::MutexLock lock(&mu_);
  return deferrals_;
}

PeriodicWorker::Wait TenantIndexBuilder::Step() {
  Pending next;
  {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) return PeriodicWorker::Wait::For(absl::Hours(1));
    next = queue_.front();
    queue_.pop_front();
  }
  // The tenant's current store first: getting it retires the stores of
  // earlier schemas, which requests may still hold.
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = stores_->For(next.tenant);
  const absl::Time now = clock_->Now();
  if (store.ok() && !stores_->EarlierReleased(next.tenant) &&
      (next.since == absl::InfiniteFuture() || now - next.since < kEarlierStoresWait)) {
    absl::MutexLock lock(&mu_);
    ++deferrals_;
    queue_.push_back({next.tenant, std::min(next.since, now)});
    return PeriodicWorker::Wait::Backoff(absl::Milliseconds(20));
  }
  absl::StatusOr<int64_t> read =
      store.ok() ? (*store)->BuildTenantIndexes(next.tenant) : store.status();
  if (!read.ok()) {
    LogError("cannot build a tenant's indexes; retrying",
             {{"tenant", next.tenant}, {"error", read.status().ToString()}});
    absl::MutexLock lock(&mu_);
    queue_.push_back({next.tenant, absl::InfiniteFuture()});
    return PeriodicWorker::Wait::Backoff(absl::Seconds(5));
  }
  if (*read > 0) {
    LogInfo("tenant index entries built",
            {{"tenant", next.tenant}, {"resources", absl::StrCat(*read)}});
  }
  absl::MutexLock lock(&mu_);
  ++builds_;
  return PeriodicWorker::Wait::None();
}

}  // namespace scim::identity
