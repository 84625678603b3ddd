// Reads the values at a dotted SCIM attribute path ("userName",
// "emails.value", "name.givenName") from a resource, generically over
// descriptors and case-insensitively. The seed of the one attribute-path
// resolver that filter, sort, PATCH and projection will share.
#ifndef SCIM_SCIM_ATTRIBUTE_VALUES_H_
#define SCIM_SCIM_ATTRIBUTE_VALUES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace scim {

// The string values found at `path` (all elements of multi-valued
// attributes). INVALID_ARGUMENT if the path names no string attribute.
absl::StatusOr<std::vector<std::string>> StringValuesAt(
    const google::protobuf::Message& resource, absl::string_view path);

// True iff `path` names a string attribute of `descriptor`.
bool IsStringPath(const google::protobuf::Descriptor* descriptor,
                  absl::string_view path);

}  // namespace scim

#endif  // SCIM_SCIM_ATTRIBUTE_VALUES_H_
