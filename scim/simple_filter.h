// The one filter shape the foundation answers: `<attrPath> eq "<string>"`.
// The full RFC 7644 §3.4.2.2 grammar replaces this parser in the query-engine
// work; callers already go through ParseFilter so they will not change.
#ifndef SCIM_SCIM_SIMPLE_FILTER_H_
#define SCIM_SCIM_SIMPLE_FILTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scim {

struct EqualityFilter {
  std::string attribute;  // as written, e.g. "userName"
  std::string value;      // JSON-unescaped
};

// INVALID_ARGUMENT with scimType invalidFilter, and a detail naming the
// position, when `filter` is not of that shape.
absl::StatusOr<EqualityFilter> ParseFilter(absl::string_view filter);

}  // namespace scim

#endif  // SCIM_SCIM_SIMPLE_FILTER_H_
