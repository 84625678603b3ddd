// Filter planning (ARCHITECTURE.md): `eq`, `sw`, `gt`, `ge`, `lt` and `le`
// on a unique or indexed attribute (meta.lastModified included, for IdPs'
// incremental sync) read candidate ids from a key range of the unique/index
// column families (index_range.h); in an `and`, the comparisons on one
// single-valued attribute are one range, and the conjunct expected to give
// the fewest candidates is read (`or`: both sides); anything else scans the
// tenant. An index is used only once it is complete (EnsureIndexes).
// Candidates may be more than the matches, never fewer: they are always
// re-checked against the whole compiled filter.
#ifndef SCIM_IDENTITY_SERVICE_QUERY_PLANNER_H_
#define SCIM_IDENTITY_SERVICE_QUERY_PLANNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "identity-service/index_encoding.h"
#include "identity-service/resource_types.h"
#include "scim/filter_eval.h"
#include "storage/kv_store.h"

namespace scim::identity {

// Whether `indexed`'s entries are complete in `encoding` (its ready marker
// says so: index_backfill.cc); until then it is not read.
absl::StatusOr<bool> IndexReady(KvStore& kv, const ResourceType& type,
                                absl::string_view tenant, const IndexedAttribute& indexed,
                                IndexEncoding encoding);

// Sorted, distinct candidate ids, or nullopt when the filter needs a scan.
absl::StatusOr<std::optional<std::vector<std::string>>> PlanCandidates(
    KvStore& kv, const ResourceType& type, absl::string_view tenant,
    const BoundFilter& filter);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_QUERY_PLANNER_H_
