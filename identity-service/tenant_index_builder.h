// Builds tenants' custom indexes online (ResourceStore::BuildTenantIndexes)
// on its own thread: after each change of a tenant's schemas, and at start
// for every tenant with schemas (a build a stop interrupted goes on). Until
// an index is complete, filters on it scan.
//
// A build starts once no request holds a store of the tenant's earlier
// schemas (or after kEarlierStoresWait): a write through one would not
// write the new index's entries.
#ifndef SCIM_IDENTITY_SERVICE_TENANT_INDEX_BUILDER_H_
#define SCIM_IDENTITY_SERVICE_TENANT_INDEX_BUILDER_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/periodic_worker.h"
#include "identity-service/tenant_schemas.h"
#include "identity-service/tenant_stores.h"

namespace scim::identity {

inline constexpr absl::Duration kEarlierStoresWait = absl::Seconds(30);

class TenantIndexBuilder {
 public:
  TenantIndexBuilder(TenantStores* stores, TenantSchemas* schemas, Clock* clock);
  ~TenantIndexBuilder();

  // Schedules every tenant with schemas and starts the thread.
  void Start();
  void Stop();
  // Thread-safe; a tenant already waiting is not queued twice.
  void Schedule(const std::string& tenant);
  // Builds done so far, and builds put off while requests held earlier
  // stores (tests wait on them).
  int64_t builds() const;
  int64_t deferrals() const;

 private:
  PeriodicWorker::Wait Step();

  TenantStores* const stores_;
  TenantSchemas* const schemas_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  struct Pending {
    std::string tenant;
    absl::Time since;  // when it was first found waiting on earlier stores
  };
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  int64_t builds_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t deferrals_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<PeriodicWorker> worker_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_INDEX_BUILDER_H_
