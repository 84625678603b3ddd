// ResourceStore::List: runs a query (filter via query_planner.h, sort,
// index or cursor pagination, projection) over one tenant's resources.
#include "identity-service/resource_store.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/message_fields.h"
#include "identity-service/query_planner.h"
#include "scim/sort_key.h"

namespace scim::identity {

using google::protobuf::Message;

struct ResourceStore::Page {
  // What is asked.
  bool cursor_mode = false;
  int32_t start = 1;
  int32_t count = kDefaultCount;
  bool descending = false;
  std::optional<Cursor> cursor;
  // Until when the scan may run (never null).
  const Deadline* deadline = nullptr;
  // totalResults when the resource counts give it: the scan then stops once
  // the page is full (O(page)) instead of counting the tenant.
  std::optional<int64_t> known_total;
  // What is found.
  int64_t total = 0;
  std::vector<std::pair<SortPosition, std::unique_ptr<Message>>> items;
  bool has_previous = false;
  bool has_next = false;
};

namespace {

// A scan checks the deadline once per this many keys: often enough to stop
// within milliseconds, rarely enough to cost nothing.
constexpr int64_t kDeadlineCheckInterval = 256;

absl::StatusOr<std::unique_ptr<Message>> ParseListed(const ResourceType& type,
                                                     absl::string_view bytes) {
  std::unique_ptr<Message> m = NewMessage(type);
  if (!m->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("corrupt ", type.name));
  }
  return m;
}

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

}  // namespace

absl::Status ResourceStore::PageOfAll(const ResourceType& type,
                                      absl::string_view tenant, Page* page) {
  const std::string prefix = ResourcePrefix(tenant, type.name);
  const bool backward = page->cursor.has_value() && !page->cursor->forward;
  const std::string boundary = page->cursor ? page->cursor->at.id : "";
  std::deque<std::pair<std::string, std::string>> window;  // backward only
  absl::Status status;
  int64_t position = 0;
  RETURN_IF_ERROR(kv_->Scan(
      kResourcesCf, prefix, "", [&](absl::string_view key, absl::string_view value) {
        if (++position % kDeadlineCheckInterval == 0) {
          status = page->deadline->Check();
          if (!status.ok()) return false;
        }
        std::string id(key.substr(prefix.size()));
        bool take = false;
        if (!page->cursor_mode) {
          take = position >= page->start;
        } else if (backward) {
          if (id < boundary) {
            window.emplace_back(std::move(id), std::string(value));
            if (window.size() > static_cast<size_t>(page->count)) {
              window.pop_front();
              page->has_previous = true;
            }
          } else {
            page->has_next = true;
            // Ids ascend: the rest are past the boundary too.
            return !page->known_total.has_value();
          }
          return true;
        } else if (page->cursor.has_value() && id <= boundary) {
          page->has_previous = true;
        } else {
          take = true;
        }
        if (!take) return true;
        if (page->items.size() >= static_cast<size_t>(page->count)) {
          page->has_next = true;
          return !page->known_total.has_value();
        }
        auto m = ParseListed(type, value);
        if (!m.ok()) {
          status = m.status();
          return false;
        }
        page->items.emplace_back(SortPosition{false, "", std::move(id)}, std::move(*m));
        return true;
      }));
  RETURN_IF_ERROR(status);
  for (auto& [id, bytes] : window) {
    ASSIGN_OR_RETURN(std::unique_ptr<Message> m, ParseListed(type, bytes));
    page->items.emplace_back(SortPosition{false, "", std::move(id)}, std::move(m));
  }
  page->total = page->known_total.value_or(position);
  return absl::OkStatus();
}

absl::Status ResourceStore::PageOfMatches(const ResourceType& type,
                                          absl::string_view tenant,
                                          const CompiledFilter* filter,
                                          const ResolvedAttribute* sort_by,
                                          Page* page) {
  std::vector<std::pair<SortPosition, std::unique_ptr<Message>>> matches;
  const bool needs_edges =
      filter != nullptr && (References(filter->root(), type.members_attribute) ||
                            References(filter->root(), type.groups_attribute));
  int64_t considered = 0;
  auto consider = [&](std::string id, absl::string_view bytes) -> absl::Status {
    if (++considered % kDeadlineCheckInterval == 0) {
      RETURN_IF_ERROR(page->deadline->Check());
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Message> m, ParseListed(type, bytes));
    if (needs_edges) RETURN_IF_ERROR(ReadEdges(type, tenant, m.get(), nullptr));
    if (filter != nullptr && !filter->Matches(*m)) return absl::OkStatus();
    SortPosition position{false, "", std::move(id)};
    if (sort_by != nullptr) {
      std::optional<std::string> key = SortKey(*m, *sort_by);
      position.missing = !key.has_value();
      if (key.has_value()) position.key = std::move(*key);
    }
    matches.emplace_back(std::move(position), std::move(m));
    return absl::OkStatus();
  };
  std::optional<std::vector<std::string>> candidates;
  if (filter != nullptr) {
    ASSIGN_OR_RETURN(candidates, PlanCandidates(*kv_, type, tenant, filter->root()));
  }
  if (candidates.has_value()) {
    for (std::string& id : *candidates) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
      if (bytes.has_value()) RETURN_IF_ERROR(consider(std::move(id), *bytes));
    }
  } else {
    // Ids are UUIDv7, so key order is creation order.
    const std::string prefix = ResourcePrefix(tenant, type.name);
    absl::Status status;
    RETURN_IF_ERROR(kv_->Scan(kResourcesCf, prefix, "",
                              [&](absl::string_view key, absl::string_view value) {
                                status = consider(std::string(key.substr(prefix.size())),
                                                  value);
                                return status.ok();
                              }));
    RETURN_IF_ERROR(status);
  }
  const bool descending = page->descending;
  auto less = [descending](const auto& a, const auto& b) {
    return PositionLess(a.first, b.first, descending);
  };
  if (sort_by != nullptr) std::sort(matches.begin(), matches.end(), less);

  const size_t n = matches.size();
  size_t begin = 0, end = 0;
  if (!page->cursor_mode) {
    begin = std::min(n, static_cast<size_t>(page->start - 1));
    end = std::min(n, begin + page->count);
  } else if (!page->cursor.has_value() || page->cursor->forward) {
    if (page->cursor.has_value()) {
      const SortPosition& at = page->cursor->at;
      begin = std::partition_point(matches.begin(), matches.end(),
                                   [&](const auto& m) {
                                     return !PositionLess(at, m.first, descending);
                                   }) - matches.begin();
    }
    end = std::min(n, begin + page->count);
  } else {
    const SortPosition& at = page->cursor->at;
    end = std::partition_point(matches.begin(), matches.end(),
                               [&](const auto& m) {
                                 return PositionLess(m.first, at, descending);
                               }) - matches.begin();
    begin = end > static_cast<size_t>(page->count) ? end - page->count : 0;
  }
  page->total = static_cast<int64_t>(n);
  page->has_previous = begin > 0;
  page->has_next = end < n;
  for (size_t i = begin; i < end; ++i) page->items.push_back(std::move(matches[i]));
  return absl::OkStatus();
}

absl::Status ResourceStore::List(const ResourceType& type,
                                 absl::string_view tenant,
                                 const v1::ListRequest& request,
                                 ListResult* result, const Deadline& deadline) {
  RETURN_IF_ERROR(deadline.Check());
  const ResourceTypeSchema& schema = SchemaOf(type);
  std::optional<CompiledFilter> filter;
  if (!absl::StripAsciiWhitespace(request.filter()).empty()) {
    ASSIGN_OR_RETURN(CompiledFilter compiled,
                     CompiledFilter::Compile(schema, request.filter()));
    filter = std::move(compiled);
  }
  std::optional<ResolvedAttribute> sort_by;
  if (!request.sort_by().empty()) {
    ASSIGN_OR_RETURN(ResolvedAttribute resolved,
                     ResolveSortBy(schema, request.sort_by()));
    sort_by = std::move(resolved);
  }
  Page page;
  page.deadline = &deadline;
  if (absl::EqualsIgnoreCase(request.sort_order(), "descending")) {
    page.descending = true;
  } else if (!request.sort_order().empty() &&
             !absl::EqualsIgnoreCase(request.sort_order(), "ascending")) {
    return InvalidValue(absl::StrCat("sortOrder must be \"ascending\" or "
                                     "\"descending\", got \"",
                                     request.sort_order(), "\""));
  }
  page.cursor_mode = request.has_cursor();
  page.start = std::max(1, request.start_index());
  page.count = request.has_count() ? request.count() : kDefaultCount;
  if (page.cursor_mode) {
    if (request.start_index() > 1) {
      return InvalidValue("use either startIndex or cursor pagination, not both");
    }
    if (page.count < 1) {
      return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidCount,
                       absl::StrCat("count must be between 1 and ", kMaxCount,
                                    " with cursor pagination, got ", page.count));
    }
  }
  page.count = std::clamp(page.count, 0, kMaxCount);
  // A cursor is valid only for the query it came from.
  const std::string query = absl::StrCat(
      type.name, "\n", filter ? filter->canonical() : "", "\n",
      sort_by ? sort_by->canonical : "", "\n", page.descending ? "d" : "a");
  if (page.cursor_mode && !request.cursor().empty()) {
    ASSIGN_OR_RETURN(Cursor cursor,
                     cursors_.Decode(tenant, query, request.cursor()));
    page.cursor = std::move(cursor);
  }
  if (!filter && !sort_by) {
    ASSIGN_OR_RETURN(page.known_total, Count(type, tenant));
    RETURN_IF_ERROR(PageOfAll(type, tenant, &page));
  } else {
    RETURN_IF_ERROR(PageOfMatches(type, tenant, filter ? &*filter : nullptr,
                                  sort_by ? &*sort_by : nullptr, &page));
  }
  result->total_results = page.total;
  result->start_index = page.cursor_mode ? 1 : page.start;
  result->resources.clear();
  result->next_cursor.clear();
  result->previous_cursor.clear();
  if (page.cursor_mode) {
    if (page.has_next && !page.items.empty()) {
      result->next_cursor =
          cursors_.Encode(tenant, query, {true, page.items.back().first});
    }
    if (page.has_previous) {
      const SortPosition& first = !page.items.empty() ? page.items.front().first
                                                      : page.cursor->at;
      result->previous_cursor = cursors_.Encode(tenant, query, {false, first});
    }
  }
  Projection projection(schema,
                        {request.attributes().begin(), request.attributes().end()},
                        {request.excluded_attributes().begin(),
                         request.excluded_attributes().end()});
  for (auto& [position, resource] : page.items) {
    RETURN_IF_ERROR(ReadEdges(type, tenant, resource.get(), &projection));
    projection.Apply(resource.get());
    result->resources.push_back(std::move(resource));
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
