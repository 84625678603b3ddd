// ResourceStore::PageInUniqueOrder: an unfiltered list sorted by a unique
// attribute (userName, a group's displayName) walks that attribute's unique
// keys, which are kept in the attribute's sort order (case-folded, as
// SortKey folds a caseExact=false string), instead of sorting the tenant.
// Cursor pages seek to their position; index pages walk keys (not records)
// up to startIndex.
#include <algorithm>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/query_page.h"
#include "identity-service/resource_counts.h"
#include "scim/sort_key.h"

namespace scim::identity {

bool ResourceStore::SortsByUniqueKey(const ResourceType& type,
                                     const ResolvedAttribute& sort_by) {
  // Unique keys hold folded values: they give the order of a caseExact=false
  // attribute only; and all resources only if it is required.
  return !sort_by.leaf().case_exact && !sort_by.multi_valued() && sort_by.leaf().required &&
         std::find(type.unique.begin(), type.unique.end(), sort_by.canonical) !=
             type.unique.end();
}

absl::Status ResourceStore::PageInUniqueOrder(const ResourceType& type,
                                              absl::string_view tenant,
                                              const ResolvedAttribute& sort_by,
                                              Page* page) {
  const std::string& path = sort_by.canonical;
  std::string prefix = ValueKey(tenant, type.name, path, "");
  prefix.resize(prefix.size() - 2);  // every value's key, without the terminator
  ASSIGN_OR_RETURN(page->total, ReadCount(*kv_, tenant, type.name));
  if (!page->total.has_value()) {  // not yet counted: sort the matches
    return PageOfMatches(type, tenant, nullptr, &sort_by, page);
  }
  const bool backward = page->backward();
  // Keys ascend with the value: descending order walks them down, and so
  // does a previousCursor page of ascending order.
  const bool down = page->descending != backward;
  std::string bound;
  if (page->cursor.has_value()) {
    const std::string at = ValueKey(tenant, type.name, path, page->cursor->at.key);
    bound = down ? at : at + std::string(1, '\0');
  }
  int64_t skip = page->cursor_mode ? 0 : page->start - 1;
  const size_t count = static_cast<size_t>(page->count);
  std::vector<std::string> ids;
  bool more = false;
  int64_t visited = 0;
  absl::Status status;
  auto take = [&](absl::string_view, absl::string_view id) {
    if (++visited % kDeadlineCheckInterval == 0) {
      status = page->deadline->Check();
      if (!status.ok()) return false;
    }
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
  };
  if (down) {
    RETURN_IF_ERROR(kv_->ScanBackward(kUniqueCf, prefix, bound, take));
  } else {
    RETURN_IF_ERROR(kv_->Scan(kUniqueCf, prefix, bound, take));
  }
  RETURN_IF_ERROR(status);
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
    ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> m, ParseListed(type, *SchemaOf(type).prototype, *bytes));
    SortPosition position{false, "", std::move(id)};
    std::optional<std::string> key = SortKey(*m, sort_by);
    position.missing = !key.has_value();
    if (key.has_value()) position.key = std::move(*key);
    page->items.emplace_back(std::move(position), std::move(m));
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
