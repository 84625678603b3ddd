// One list request's page as the query executor builds it (shared by
// query_executor.cc and the page_*.cc that fill it; not an API).
#ifndef SCIM_IDENTITY_SERVICE_QUERY_PAGE_H_
#define SCIM_IDENTITY_SERVICE_QUERY_PAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "identity-service/cursor.h"
#include "identity-service/deadline.h"
#include "identity-service/message_fields.h"
#include "identity-service/resource_store.h"
#include "scim/sort_key.h"

namespace scim::identity {

struct ResourceStore::Page {
  // What is asked.
  bool cursor_mode = false;
  int32_t start = 1;
  int32_t count = kDefaultCount;
  bool descending = false;
  std::optional<Cursor> cursor;
  // Until when the scan may run (never null).
  const Deadline* deadline = nullptr;
  // What is found. No total: cursor mode, where the total would cost a
  // pass over every match (RFC 9865 §2.2 lets such a response omit it).
  std::optional<int64_t> total;
  std::vector<std::pair<SortPosition, std::unique_ptr<google::protobuf::Message>>> items;
  bool has_previous = false;
  bool has_next = false;

  bool backward() const { return cursor.has_value() && !cursor->forward; }
};

// A scan checks the deadline once per this many keys: often enough to stop
// within milliseconds, rarely enough to cost nothing.
inline constexpr int64_t kDeadlineCheckInterval = 256;

// A listed record as a message like `prototype` (the store's registry's).
inline absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseListed(
    const ResourceType& type, const google::protobuf::Message& prototype,
    absl::string_view bytes) {
  std::unique_ptr<google::protobuf::Message> m(prototype.New());
  if (!m->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("corrupt ", type.name));
  }
  return m;
}

// A listed record's position in a sort by `sort_by`.
inline SortPosition PositionOf(const google::protobuf::Message& resource,
                               const ResolvedAttribute& sort_by, std::string id) {
  SortPosition position{false, "", std::move(id)};
  std::optional<std::string> key = SortKey(resource, sort_by);
  position.missing = !key.has_value();
  if (key.has_value()) position.key = std::move(*key);
  return position;
}

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_QUERY_PAGE_H_
