// ResourceStore::PageOfMatches: a filtered or sorted list page.
//
// Memory is bounded by the page, not by the matches: records are parsed one
// at a time into one message, and a sorted query keeps only the positions
// (sort key, id) of the best startIndex+count matches in a bounded heap, then
// reads the page's records by id. A cursor page streams from the cursor and
// stops once the page is full, leaving totalResults out (RFC 9865 §2.2): in
// id order without sortBy; in the sort's order by walking the index that
// keeps it (sort_index.h) when there is one and the filter's candidates are
// not few enough to sort. Work is bounded too: a query that would
// examine more records than the store's scan limit answers 400 tooMany
// before reading them, when the count is known up front (index candidates,
// or the tenant's resource count for a scan), and as soon as it passes the
// limit otherwise.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/query_page.h"
#include "identity-service/query_planner.h"
#include "identity-service/resource_counts.h"
#include "identity-service/sort_index.h"
#include "scim/sort_key.h"

namespace scim::identity {
namespace {

using google::protobuf::Message;
// Called per record in the visiting order; false stops the visit.
using RecordFn = std::function<absl::StatusOr<bool>(absl::string_view id,
                                                    absl::string_view bytes)>;

// Whether a filter reads an attribute by that (top-level) name.
bool References(const BoundFilter& node, absl::string_view attribute) {
  if (!attribute.empty() && node.attribute.attribute != nullptr &&
      node.attribute.fields.size() >= 1 &&
      absl::EqualsIgnoreCase(node.attribute.fields[0]->json_name(), attribute)) {
    return true;
  }
  for (const BoundFilter& child : node.children) {
    if (References(child, attribute)) return true;
  }
  return false;
}

// Whether index candidates are exactly the matches, so that totalResults is
// their number and only the page's records need reading: one `eq` or `sw`
// on a unique or indexed string attribute, with nothing else to check.
// (dateTime ranges and `and`/`or` are re-checked record by record.)
bool AnsweredByIndex(const ResourceType& type, const BoundFilter& root) {
  if (root.kind != FilterNode::Kind::kCompare || root.is_null ||
      (root.op != CompareOp::kEq && root.op != CompareOp::kSw) ||
      root.value.kind != Scalar::Kind::kString || root.attribute.attribute == nullptr ||
      root.attribute.leaf().type != AttributeType::kString) {
    return false;
  }
  const std::string& path = root.attribute.canonical;
  // Unique keys are case-folded: exact only for a caseExact=false attribute.
  const bool unique = std::find(type.unique.begin(), type.unique.end(), path) !=
                      type.unique.end();
  return (unique && !root.attribute.leaf().case_exact) ||
         std::any_of(type.indexed.begin(), type.indexed.end(),
                     [&](const IndexedAttribute& a) { return a.path == path; });
}

// Visits the records of the candidate ids (sorted), or of the whole tenant,
// in id order: all of them, or those after `boundary` (forward) or before it
// (backward, descending).
absl::Status VisitRecords(KvStore& kv, const ResourceType& type, absl::string_view tenant,
                          const std::optional<std::vector<std::string>>& candidates,
                          const std::string* boundary, bool backward,
                          const RecordFn& fn) {
  absl::Status status;
  auto call = [&](absl::string_view id, absl::string_view bytes) {
    absl::StatusOr<bool> more = fn(id, bytes);
    if (!more.ok()) {
      status = more.status();
      return false;
    }
    return *more;
  };
  if (candidates.has_value()) {
    const std::vector<std::string>& ids = *candidates;
    auto visit = [&](const std::string& id) -> absl::StatusOr<bool> {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv.Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
      if (!bytes.has_value()) return true;  // deleted since its index entry was read
      return call(id, *bytes);
    };
    if (!backward) {
      auto it = boundary ? std::upper_bound(ids.begin(), ids.end(), *boundary) : ids.begin();
      for (; it != ids.end(); ++it) {
        ASSIGN_OR_RETURN(bool more, visit(*it));
        if (!more) break;
      }
    } else {
      auto it = std::lower_bound(ids.begin(), ids.end(), *boundary);
      while (it != ids.begin()) {
        ASSIGN_OR_RETURN(bool more, visit(*--it));
        if (!more) break;
      }
    }
    return status;
  }
  const std::string prefix = ResourcePrefix(tenant, type.name);
  auto by_key = [&](absl::string_view key, absl::string_view value) {
    return call(key.substr(prefix.size()), value);
  };
  if (!backward) {
    std::string from;
    if (boundary != nullptr) from = ResourceKey(tenant, type.name, *boundary) + '\0';
    RETURN_IF_ERROR(kv.Scan(kResourcesCf, prefix, from, by_key));
  } else {
    RETURN_IF_ERROR(kv.ScanBackward(kResourcesCf, prefix,
                                    ResourceKey(tenant, type.name, *boundary), by_key));
  }
  return status;
}

// The first `k` positions in the query's order (or, `last`, the last k),
// from any number offered, in O(k) memory.
class BestPositions {
 public:
  BestPositions(size_t k, bool descending, bool last)
      : k_(k), descending_(descending), last_(last) {}

  void Offer(SortPosition position) {
    if (k_ == 0) return;
    heap_.push_back(std::move(position));
    std::push_heap(heap_.begin(), heap_.end(), Worse());
    if (heap_.size() > k_) {
      std::pop_heap(heap_.begin(), heap_.end(), Worse());
      heap_.pop_back();
    }
  }
  // Ascending in the query's order.
  std::vector<SortPosition> Take() && {
    const bool descending = descending_;
    std::sort(heap_.begin(), heap_.end(), [descending](const auto& a, const auto& b) {
      return PositionLess(a, b, descending);
    });
    return std::move(heap_);
  }

 private:
  // The heap's top is the position to drop first.
  std::function<bool(const SortPosition&, const SortPosition&)> Worse() const {
    const bool descending = descending_, last = last_;
    return [descending, last](const SortPosition& a, const SortPosition& b) {
      return last ? PositionLess(b, a, descending) : PositionLess(a, b, descending);
    };
  }

  size_t k_;
  bool descending_;
  bool last_;
  std::vector<SortPosition> heap_;
};

}  // namespace

absl::Status ResourceStore::PageOfMatches(const ResourceType& type,
                                          absl::string_view tenant,
                                          const CompiledFilter* filter,
                                          const ResolvedAttribute* sort_by,
                                          const SortIndex* sort_index, Page* page) {
  const bool needs_edges =
      filter != nullptr && (References(filter->root(), type.members_attribute) ||
                            References(filter->root(), type.groups_attribute));
  std::optional<std::vector<std::string>> candidates;
  if (filter != nullptr) {
    ASSIGN_OR_RETURN(candidates, PlanCandidates(*kv_, KeysOf(type), tenant, filter->root()));
  }
  const int64_t limit = list_scan_limit_;
  auto too_many = [&](int64_t n) {
    return ScimError(
        absl::StatusCode::kInvalidArgument, scim_type::kTooMany,
        absl::StrCat("this query would examine ", n, " ", type.endpoint,
                     ", more than the limit of ", limit,
                     ": filter with eq, sw, gt, ge, lt or le on an indexed attribute "
                     "(userName, externalId, emails.value, displayName, meta.lastModified "
                     "for Users; displayName, externalId, meta.lastModified for Groups), "
                     "or page with a cursor, unsorted or sorted by one of those (not "
                     "emails.value)"));
  };
  // A cursor page stops once it is full, when it can visit the matches in
  // its order: by id without sortBy, else along the sort's index (unless
  // the candidates are few enough to sort: then fewer records are read).
  // Every other query passes over all matches (for its order and its
  // totalResults).
  const bool walks = page->cursor_mode && sort_by != nullptr && sort_index != nullptr &&
                     !(candidates.has_value() && static_cast<int64_t>(candidates->size()) <= limit);
  const bool streams = page->cursor_mode && (sort_by == nullptr || walks);
  const bool exact = !page->cursor_mode && sort_by == nullptr && candidates.has_value() &&
                     AnsweredByIndex(KeysOf(type), filter->root());
  if (!streams && !exact) {
    std::optional<int64_t> estimate;
    if (candidates.has_value()) {
      estimate = static_cast<int64_t>(candidates->size());
    } else {
      ASSIGN_OR_RETURN(estimate, ReadCount(*kv_, tenant, type.name));
    }
    if (estimate.has_value() && *estimate > limit) return too_many(*estimate);
  }
  std::unique_ptr<Message> scratch = NewResource(type);
  int64_t examined = 0;
  // Parses the record into `scratch` and tells whether it matches.
  auto matches = [&](absl::string_view bytes) -> absl::StatusOr<bool> {
    if (++examined > limit) return too_many(examined);
    if (examined % kDeadlineCheckInterval == 0) RETURN_IF_ERROR(page->deadline->Check());
    if (!scratch->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat("corrupt ", type.name));
    }
    if (needs_edges) RETURN_IF_ERROR(ReadEdges(type, tenant, scratch.get(), nullptr));
    return filter == nullptr || filter->Matches(*scratch);
  };
  const size_t count = static_cast<size_t>(page->count);

  if (streams) {
    const bool backward = page->backward();
    const RecordFn take = [&](absl::string_view id,
                              absl::string_view bytes) -> absl::StatusOr<bool> {
      ASSIGN_OR_RETURN(bool matched, matches(bytes));
      if (!matched) return true;
      if (page->items.size() >= count) {
        (backward ? page->has_previous : page->has_next) = true;
        return false;
      }
      page->items.emplace_back(sort_by != nullptr
                                   ? PositionOf(*scratch, *sort_by, std::string(id))
                                   : SortPosition{false, "", std::string(id)},
                               std::move(scratch));
      scratch = NewResource(type);
      return true;
    };
    if (walks) {
      RETURN_IF_ERROR(WalkInSortOrder(
          *kv_, *sort_index, page->descending, page->cursor ? &page->cursor->at : nullptr,
          backward, *page->deadline, [&](absl::string_view id) -> absl::StatusOr<bool> {
            if (candidates.has_value() &&
                !std::binary_search(candidates->begin(), candidates->end(), id)) {
              return true;
            }
            ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                             kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
            if (!bytes.has_value()) return true;  // deleted since its entry was read
            return take(id, *bytes);
          }));
    } else {
      RETURN_IF_ERROR(VisitRecords(*kv_, type, tenant, candidates,
                                   page->cursor ? &page->cursor->at.id : nullptr, backward,
                                   take));
    }
    if (candidates.has_value() && AnsweredByIndex(KeysOf(type), filter->root())) {
      page->total = static_cast<int64_t>(candidates->size());
    }
    if (backward) {
      std::reverse(page->items.begin(), page->items.end());
      page->has_next = true;
    } else {
      page->has_previous = page->cursor.has_value();
      // A first page that reached the end has seen every match.
      if (!page->cursor.has_value() && !page->has_next) page->total = page->items.size();
    }
    return absl::OkStatus();
  }

  if (exact) {
    // The candidates are the matches: count them, read only the page.
    const std::vector<std::string>& ids = *candidates;
    page->total = static_cast<int64_t>(ids.size());
    const size_t first = std::min(ids.size(), static_cast<size_t>(page->start - 1));
    for (size_t i = first; i < ids.size() && page->items.size() < count; ++i) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, ids[i])));
      if (!bytes.has_value()) continue;  // deleted since its index entry was read
      ASSIGN_OR_RETURN(std::unique_ptr<Message> m, ParseListed(type, *SchemaOf(type).prototype, *bytes));
      page->items.emplace_back(SortPosition{false, "", ids[i]}, std::move(m));
    }
    page->has_previous = first > 0;
    page->has_next = ids.size() > first + count;
    return absl::OkStatus();
  }

  if (sort_by == nullptr) {
    // Index pages in id order: keep the page's matches, count them all.
    const int64_t first = page->start - 1;
    int64_t total = 0;
    RETURN_IF_ERROR(VisitRecords(
        *kv_, type, tenant, candidates, nullptr, false,
        [&](absl::string_view id, absl::string_view bytes) -> absl::StatusOr<bool> {
          ASSIGN_OR_RETURN(bool matched, matches(bytes));
          if (!matched) return true;
          if (total++ >= first && page->items.size() < count) {
            page->items.emplace_back(SortPosition{false, "", std::string(id)},
                                     std::move(scratch));
            scratch = NewResource(type);
          }
          return true;
        }));
    page->total = total;
    page->has_previous = first > 0 && total > 0;
    page->has_next = total > first + static_cast<int64_t>(count);
    return absl::OkStatus();
  }

  // Sorted: one pass keeping the best positions, then the page's records.
  const bool backward = page->backward();
  const Cursor* cursor = page->cursor ? &*page->cursor : nullptr;
  const size_t keep = page->cursor_mode
                          ? count + 1  // one more tells whether there is more
                          : static_cast<size_t>(page->start - 1) + count;
  BestPositions best(keep, page->descending, backward);
  int64_t total = 0;
  bool beyond = false;  // a match on the far side of the cursor
  RETURN_IF_ERROR(VisitRecords(
      *kv_, type, tenant, candidates, nullptr, false,
      [&](absl::string_view id, absl::string_view bytes) -> absl::StatusOr<bool> {
        ASSIGN_OR_RETURN(bool matched, matches(bytes));
        if (!matched) return true;
        ++total;
        SortPosition position = PositionOf(*scratch, *sort_by, std::string(id));
        if (cursor != nullptr &&
            !(backward ? PositionLess(position, cursor->at, page->descending)
                       : PositionLess(cursor->at, position, page->descending))) {
          beyond = true;
          return true;
        }
        best.Offer(std::move(position));
        return true;
      }));
  page->total = total;
  std::vector<SortPosition> positions = std::move(best).Take();
  size_t begin = 0, end = positions.size();
  if (!page->cursor_mode) {
    begin = std::min(positions.size(), static_cast<size_t>(page->start - 1));
    page->has_previous = begin > 0;
    page->has_next = total > static_cast<int64_t>(begin + count);
  } else if (!backward) {
    page->has_next = positions.size() > count;
    end = std::min(positions.size(), count);
    page->has_previous = beyond;
  } else {
    page->has_previous = positions.size() > count;
    begin = positions.size() > count ? positions.size() - count : 0;
    page->has_next = beyond;
  }
  for (size_t i = begin; i < end; ++i) {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, positions[i].id)));
    if (!bytes.has_value()) continue;  // deleted since the pass
    ASSIGN_OR_RETURN(std::unique_ptr<Message> m, ParseListed(type, *SchemaOf(type).prototype, *bytes));
    page->items.emplace_back(std::move(positions[i]), std::move(m));
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
