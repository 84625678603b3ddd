// ResourceStore::PageInSortOrder: an unfiltered list sorted by an attribute
// whose unique or index entries keep its order (sort_index.h: userName, a
// group's displayName; a user's displayName, externalId, meta.lastModified)
// walks those entries instead of sorting the tenant. Cursor pages seek to
// their position; index pages walk keys (not records) up to startIndex.
#include <algorithm>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/query_page.h"
#include "identity-service/resource_counts.h"
#include "identity-service/sort_index.h"
#include "scim/sort_key.h"

namespace scim::identity {

absl::Status ResourceStore::PageInSortOrder(const ResourceType& type,
                                            absl::string_view tenant,
                                            const SortIndex& index,
                                            const ResolvedAttribute& sort_by,
                                            Page* page) {
  ASSIGN_OR_RETURN(page->total, ReadCount(*kv_, tenant, type.name));
  if (!page->total.has_value()) {  // not yet counted: sort the matches
    return PageOfMatches(type, tenant, nullptr, &sort_by, nullptr, page);
  }
  const bool backward = page->backward();
  int64_t skip = page->cursor_mode ? 0 : page->start - 1;
  const size_t count = static_cast<size_t>(page->count);
  std::vector<std::string> ids;
  bool more = false;
  RETURN_IF_ERROR(WalkInSortOrder(
      *kv_, index, page->descending, page->cursor ? &page->cursor->at : nullptr, backward,
      *page->deadline, [&](absl::string_view id) -> absl::StatusOr<bool> {
        if (skip > 0) {
          --skip;
          return true;
        }
        if (ids.size() >= count) {
          more = true;
          return false;
        }
        ids.emplace_back(id);
        return true;
      }));
  if (backward) {
    std::reverse(ids.begin(), ids.end());
    page->has_previous = more;
    page->has_next = true;
  } else {
    page->has_next = more;
    page->has_previous = page->cursor.has_value();
  }
  for (std::string& id : ids) {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
    if (!bytes.has_value()) continue;  // deleted since its key was read
    ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> m,
                     ParseListed(type, *SchemaOf(type).prototype, *bytes));
    page->items.emplace_back(PositionOf(*m, sort_by, std::move(id)), std::move(m));
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
