// Holds a tenant's data still while it is copied to another shard (a tenant
// move): FencedKvStore wraps identity-service's store, and a transaction that
// writes a frozen tenant's keys fails at commit with UNAVAILABLE (503, retry
// shortly) instead of changing what is being copied. Freeze() returns once
// every commit that started before it has ended.
//
// Event numbering (the `events` column family) and the process's queues
// (`outbox`, `events_pending`) are not fenced: events committed before the
// freeze still get their numbers, which the copy then carries.
#ifndef SCIM_IDENTITY_SERVICE_TENANT_FENCE_H_
#define SCIM_IDENTITY_SERVICE_TENANT_FENCE_H_

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "storage/kv_store.h"

namespace scim::identity {

class TenantFence {
 public:
  // With tenant shards: whether this shard serves a tenant now. A commit for
  // a tenant it does not serve is refused too: a request that passed the
  // owner check before a move's flip must not write to the old copy after.
  void set_owner_check(std::function<bool(const std::string& tenant)> serves) {
    serves_ = std::move(serves);
  }
  // Refuses the tenant's writes from now on; waits for commits in progress.
  void Freeze(const std::string& tenant);
  void Thaw(const std::string& tenant);
  bool Frozen(const std::string& tenant) const;
  std::set<std::string> FrozenTenants() const;
  // Commits run between Enter and Exit (shared): OK, or UNAVAILABLE when a
  // tenant in `touched` is frozen (then Exit is not called).
  absl::Status Enter(const std::set<std::string>& touched) const;
  void Exit() const;

 private:
  std::function<bool(const std::string&)> serves_;  // set before serving
  mutable absl::Mutex mu_;
  std::set<std::string> frozen_ ABSL_GUARDED_BY(mu_);
};

// `inner` with every commit checked against `fence` (borrowed).
std::unique_ptr<KvStore> NewFencedKvStore(std::unique_ptr<KvStore> inner, TenantFence* fence);

// The tenant a key of identity-service's `cf` belongs to ("" for keys of no
// tenant, and for the unfenced column families).
std::string FencedTenantOf(absl::string_view cf, absl::string_view key);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_FENCE_H_
