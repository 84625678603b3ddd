// If-Match preconditions (RFC 7232 §3.1) against a resource's stored
// version: which tags a write accepts, and the error when none does.
#ifndef SCIM_IDENTITY_SERVICE_IF_MATCH_H_
#define SCIM_IDENTITY_SERVICE_IF_MATCH_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace scim::identity {

// Whether `if_match` (a comma-separated list of ETags, or "*"; empty =
// unconditional) accepts the version `current`.
bool IfMatchAccepts(absl::string_view if_match, absl::string_view current);

// FAILED_PRECONDITION naming the current version.
absl::Status PreconditionFailed(absl::string_view current);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IF_MATCH_H_
