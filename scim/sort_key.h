// RFC 7644 §3.4.2.3 sorting: a byte string per resource whose byte order is
// the attribute's order (strings folded unless caseExact, numbers and times
// by value). Multi-valued attributes sort by their primary (else first) value.
#ifndef SCIM_SCIM_SORT_KEY_H_
#define SCIM_SCIM_SORT_KEY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "scim/attribute_resolver.h"

namespace scim {

// Resolves `sort_by` to the attribute to sort on; an unknown or complex one
// is a 400 invalidValue naming it.
absl::StatusOr<ResolvedAttribute> ResolveSortBy(const ResourceTypeSchema& type,
                                                absl::string_view sort_by);

// The sort key of `resource`, or nullopt when it has no value (sorted last).
std::optional<std::string> SortKey(const google::protobuf::Message& resource,
                                   const ResolvedAttribute& sort_by);

}  // namespace scim

#endif  // SCIM_SCIM_SORT_KEY_H_
