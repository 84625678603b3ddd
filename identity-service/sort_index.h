// A sort that walks an index instead of sorting the matches: when the
// `sortBy` attribute's unique or index entries are kept in the order
// PositionLess (cursor.h) gives — single-valued, in the encoding its sort
// keys order by — a page is the next entries from its start or its cursor,
// O(page) keys and records, whatever the tenant's size.
//
// Index entries are {value}{id} with the resources without a value last
// (index_encoding.h), so the query's order is
//   ascending:   the values' entries up, then the entries of no value up
//   descending:  the values' entries down, then the entries of no value up
// and a previousCursor page walks the same in reverse.
#ifndef SCIM_IDENTITY_SERVICE_SORT_INDEX_H_
#define SCIM_IDENTITY_SERVICE_SORT_INDEX_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "identity-service/cursor.h"
#include "identity-service/deadline.h"
#include "identity-service/index_encoding.h"
#include "identity-service/resource_types.h"
#include "scim/attribute_resolver.h"
#include "storage/kv_store.h"

namespace scim::identity {

struct SortIndex {
  // kUniqueCf (the id is the entry's value; no entries for "no value": the
  // attribute is required) or kIndexCf (the id ends the key).
  const char* cf = nullptr;
  // AttributeKeyPrefix of the sort attribute.
  std::string prefix;
  // How a sort key (sort_key.h) becomes an entry's value.
  IndexEncoding encoding = IndexEncoding::kFoldedString;

  bool unique() const;
};

// The index that keeps `sort_by`'s order for `type` (with its tenant's keys:
// ResourceStore::KeysOf) in `tenant`, if one does and it is complete.
absl::StatusOr<std::optional<SortIndex>> SortIndexFor(KvStore& kv, const ResourceType& type,
                                                      absl::string_view tenant,
                                                      const ResolvedAttribute& sort_by);

// Called per entry's id in the walk's order; false stops the walk.
using SortedIdFn = std::function<absl::StatusOr<bool>(absl::string_view id)>;

// Visits the ids of `index`'s entries in the query's order (`descending` or
// not), from the first, or from just after `after` (a position of that
// order); `backward`: those before `after`, nearest first. Reads keys only;
// checks `deadline` as it goes. An `after` that cannot be of this index
// (a sort key not in its encoding) is 400 invalidCursor.
absl::Status WalkInSortOrder(KvStore& kv, const SortIndex& index, bool descending,
                             const SortPosition* after, bool backward,
                             const Deadline& deadline, const SortedIdFn& fn);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_SORT_INDEX_H_
