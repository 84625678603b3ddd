// The ETag cache in Redis: the current version of each resource, so that the
// edge answers a GET's If-None-Match with 304 without calling
// identity-service.
//
// identity-service publishes every write inside the write (the resource's
// lock held, before the commit and so before the acknowledgement). Entries
// only move forward: a state is 2*version for a live resource and
// 2*version+1 once deleted, and a publish never lowers it, so publishes
// arriving out of order cannot leave a stale version behind. An entry may be
// ahead of the truth (a write that then failed to commit): that costs a
// cache miss, never a wrong 304. A publish Redis did not take marks the cache
// dirty: the next moment Redis answers, a new epoch starts and every older
// entry stops counting. The dirty mark lives in the publisher's memory, so a
// publisher that restarts could not know that its predecessor lost an
// update: every publisher therefore starts a new epoch at start-up
// (StartPublishing), and is dirty until Redis has taken it.
#ifndef SCIM_COMMON_ETAG_CACHE_H_
#define SCIM_COMMON_ETAG_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/periodic_worker.h"
#include "common/redis_client.h"

namespace scim {

// "W/\"3\"" <-> 3 (-1 for anything else).
std::string FormatVersion(int64_t version);
int64_t ParseVersion(absl::string_view etag);

class EtagCache {
 public:
  // `clock` paces the repair loop.
  EtagCache(std::shared_ptr<RedisClient> redis, Clock* clock,
            absl::Duration ttl = absl::Hours(1));
  ~EtagCache();

  // For the process that publishes (identity-service), once, before it
  // serves writes: starts a new epoch, so that no entry from before this
  // process (perhaps one its predecessor failed to raise before it died)
  // counts. If Redis does not answer, the cache stays dirty: lookups through
  // it answer nothing and the repair loop keeps trying.
  void StartPublishing();
  // After a write of /{endpoint}/{id}: its version now, or (`deleted`) the
  // version it had when deleted.
  void Publish(absl::string_view tenant, absl::string_view endpoint,
               absl::string_view id, int64_t version, bool deleted);
  // The version of a live resource, if known; nullopt when unknown, deleted
  // or Redis is unreachable (then ask identity-service).
  std::optional<int64_t> LiveVersion(absl::string_view tenant,
                                     absl::string_view endpoint,
                                     absl::string_view id);
  bool dirty() const { return dirty_; }

 private:
  // Starts a new epoch; false if Redis did not answer.
  bool NewEpoch();
  void MarkDirty();

  std::shared_ptr<RedisClient> redis_;
  const std::string ttl_seconds_;
  std::atomic<bool> dirty_{false};
  // Retries the new epoch while dirty.
  PeriodicWorker repair_;
};

}  // namespace scim

#endif  // SCIM_COMMON_ETAG_CACHE_H_
