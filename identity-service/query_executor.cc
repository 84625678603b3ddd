// ResourceStore::List: checks a query (filter, sort, index or cursor
// pagination), runs it (page_of_all.cc without filter and sort,
// page_in_sort_order.cc without filter, sorted by an attribute an index
// keeps in order, else page_of_matches.cc) and projects the page.
#include "identity-service/resource_store.h"

#include <algorithm>
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
#include "identity-service/query_page.h"
#include "identity-service/sort_index.h"
#include "scim/sort_key.h"

namespace scim::identity {

using google::protobuf::Message;

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
                     cursors_->Decode(tenant, query, request.cursor()));
    page.cursor = std::move(cursor);
  }
  std::optional<SortIndex> sort_index;
  if (sort_by.has_value()) {
    ASSIGN_OR_RETURN(sort_index, SortIndexFor(*kv_, KeysOf(type), tenant, *sort_by));
  }
  if (!filter && !sort_by) {
    RETURN_IF_ERROR(PageOfAll(type, tenant, &page));
  } else if (!filter && sort_index.has_value()) {
    RETURN_IF_ERROR(PageInSortOrder(type, tenant, *sort_index, *sort_by, &page));
  } else {
    RETURN_IF_ERROR(PageOfMatches(type, tenant, filter ? &*filter : nullptr,
                                  sort_by ? &*sort_by : nullptr,
                                  sort_index ? &*sort_index : nullptr, &page));
  }
  result->total_results = page.total.value_or(0);
  result->total_omitted = !page.total.has_value();
  result->start_index = page.cursor_mode ? 1 : page.start;
  result->resources.clear();
  result->next_cursor.clear();
  result->previous_cursor.clear();
  if (page.cursor_mode) {
    if (page.has_next && !page.items.empty()) {
      result->next_cursor =
          cursors_->Encode(tenant, query, {true, page.items.back().first});
    }
    if (page.has_previous) {
      const SortPosition& first = !page.items.empty() ? page.items.front().first
                                                      : page.cursor->at;
      result->previous_cursor = cursors_->Encode(tenant, query, {false, first});
    }
  }
  const auto shared_projection =
      ProjectionOf(type, request.attributes(), request.excluded_attributes());
  const Projection& projection = *shared_projection;
  const bool typed = schema.prototype->GetDescriptor() != type.descriptor;
  for (auto& [position, resource] : page.items) {
    RETURN_IF_ERROR(ReadEdges(type, tenant, resource.get(), &projection));
    projection.Apply(resource.get());
    if (typed) {
      // Callers get the v1 type, the extensions in its map.
      std::unique_ptr<Message> v1 = NewMessage(type);
      Return(resource.get(), v1.get());
      resource = std::move(v1);
    }
    result->resources.push_back(std::move(resource));
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
