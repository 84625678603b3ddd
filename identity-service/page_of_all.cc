// ResourceStore::PageOfAll: an unfiltered, unsorted list page, in id order
// (ids are UUIDv7: creation order). It reads only the page's keys: index
// pages find their first key from the resource counts (resource_counts.h),
// cursor pages seek to the cursor's id, forward or backward.
#include <algorithm>
#include <string>

#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/query_page.h"
#include "identity-service/resource_counts.h"

namespace scim::identity {

absl::Status ResourceStore::PageOfAll(const ResourceType& type,
                                      absl::string_view tenant, Page* page) {
  const std::string prefix = ResourcePrefix(tenant, type.name);
  ASSIGN_OR_RETURN(page->total, ReadCount(*kv_, tenant, type.name));
  // Where the page starts: a key to seek to, then keys to skip.
  std::string from;
  int64_t skip = 0;
  if (!page->cursor_mode) {
    skip = page->start - 1;
    if (skip > 0 && page->total.has_value()) {
      ASSIGN_OR_RETURN(std::optional<CountedPosition> at,
                       LocateByCount(*kv_, tenant, type.name, skip));
      if (at.has_value() && at->past_end) return absl::OkStatus();
      if (at.has_value()) {
        from = prefix + at->from;
        skip = at->skip;
      }
    }
  } else if (page->cursor.has_value()) {
    const std::string boundary = ResourceKey(tenant, type.name, page->cursor->at.id);
    // Whether anything lies on the other side of the boundary: one key.
    auto any = [](bool* found) {
      return [found](absl::string_view, absl::string_view) {
        *found = true;
        return false;
      };
    };
    if (page->backward()) {
      RETURN_IF_ERROR(kv_->Scan(kResourcesCf, prefix, boundary, any(&page->has_next)));
      absl::Status status;
      int64_t visited = 0;
      RETURN_IF_ERROR(kv_->ScanBackward(
          kResourcesCf, prefix, boundary, [&](absl::string_view key, absl::string_view value) {
            if (page->items.size() >= static_cast<size_t>(page->count)) {
              page->has_previous = true;
              return false;
            }
            if (++visited % kDeadlineCheckInterval == 0) {
              status = page->deadline->Check();
              if (!status.ok()) return false;
            }
            auto m = ParseListed(type, *SchemaOf(type).prototype, value);
            if (!m.ok()) {
              status = m.status();
              return false;
            }
            page->items.emplace_back(
                SortPosition{false, "", std::string(key.substr(prefix.size()))},
                std::move(*m));
            return true;
          }));
      RETURN_IF_ERROR(status);
      std::reverse(page->items.begin(), page->items.end());
      return absl::OkStatus();
    }
    // The first key after the boundary's.
    from = boundary + std::string(1, '\0');
    RETURN_IF_ERROR(kv_->ScanBackward(kResourcesCf, prefix, from, any(&page->has_previous)));
  }
  // Without the counts (a database not yet counted), an index page counts
  // every key for its total.
  const bool count_all = !page->total.has_value() && !page->cursor_mode;
  absl::Status status;
  int64_t position = 0;
  RETURN_IF_ERROR(kv_->Scan(
      kResourcesCf, prefix, from, [&](absl::string_view key, absl::string_view value) {
        if (++position % kDeadlineCheckInterval == 0) {
          status = page->deadline->Check();
          if (!status.ok()) return false;
        }
        if (skip > 0) {
          --skip;
          return true;
        }
        if (page->items.size() >= static_cast<size_t>(page->count)) {
          page->has_next = true;
          return count_all;
        }
        auto m = ParseListed(type, *SchemaOf(type).prototype, value);
        if (!m.ok()) {
          status = m.status();
          return false;
        }
        page->items.emplace_back(
            SortPosition{false, "", std::string(key.substr(prefix.size()))}, std::move(*m));
        return true;
      }));
  RETURN_IF_ERROR(status);
  if (count_all) page->total = position;
  return absl::OkStatus();
}

}  // namespace scim::identity
