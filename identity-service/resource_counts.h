// How many resources of a type a tenant has, in total and under each id
// prefix, kept by counter adds (KvTransaction::AddToCounter, no locks) in the
// transaction of every create, delete and restore.
//
// The total is the totalResults of an unfiltered list in O(1). The prefix
// counts are an order-statistics tree over the ids: four levels of prefixes
// (3, 6, 10 and 12 characters; for UUIDv7 ids, spans of about 2 years,
// 4.7 hours, 4 seconds and 16 ms of creation time), so the resource at any
// position (startIndex) is found by reading the counters of one node per
// level plus at most a 12-character prefix's keys, instead of walking every
// key before it. Layout in kCountsCf: {tenant}/{type}/0 = total,
// {tenant}/{type}/{level}{prefix} = count under that prefix.
#ifndef SCIM_IDENTITY_SERVICE_RESOURCE_COUNTS_H_
#define SCIM_IDENTITY_SERVICE_RESOURCE_COUNTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random.h"
#include "storage/kv_store.h"

namespace scim::identity {

// Counts resource `id` in (`delta` +1) or out (-1), in the write's `txn`.
absl::Status AdjustCounts(KvTransaction& txn, absl::string_view tenant,
                          absl::string_view type, absl::string_view id, int64_t delta);

// The total, or nullopt while the counts are not trusted (a database from
// before them, until EnsureCounts ran).
absl::StatusOr<std::optional<int64_t>> ReadCount(KvStore& kv, absl::string_view tenant,
                                                 absl::string_view type);

// Where the resource at zero-based `offset` in id order is: the first id
// >= `from`, then `skip` more. `past_end` when there are at most `offset`.
struct CountedPosition {
  bool past_end = false;
  std::string from;
  int64_t skip = 0;
};
// nullopt while the counts are not trusted.
absl::StatusOr<std::optional<CountedPosition>> LocateByCount(KvStore& kv,
                                                             absl::string_view tenant,
                                                             absl::string_view type,
                                                             int64_t offset);

// Makes the counts trustworthy: on a database written before them (or
// before this layout), counts every tenant's resources once. Call at
// start-up, before serving writes; a no-op once done.
absl::Status EnsureCounts(KvStore& kv, RandomSource& random);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_RESOURCE_COUNTS_H_
