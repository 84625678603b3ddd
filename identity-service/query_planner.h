// Filter planning (ARCHITECTURE.md): `eq` and `sw` on an indexed attribute,
// also inside `and` (and `or` of two indexable terms), read candidate ids
// from the unique/index column families; anything else scans the tenant.
// Candidates are always re-checked against the whole compiled filter.
#ifndef SCIM_IDENTITY_SERVICE_QUERY_PLANNER_H_
#define SCIM_IDENTITY_SERVICE_QUERY_PLANNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "identity-service/resource_types.h"
#include "scim/filter_eval.h"
#include "storage/kv_store.h"

namespace scim::identity {

// Sorted, distinct candidate ids, or nullopt when the filter needs a scan.
absl::StatusOr<std::optional<std::vector<std::string>>> PlanCandidates(
    KvStore& kv, const ResourceType& type, absl::string_view tenant,
    const BoundFilter& filter);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_QUERY_PLANNER_H_
