// GetUserAccess: a user's roles and entitlements for an internal caller
// deciding permissions, with the groups it is in as roles when the tenant's
// groups_as_roles setting is on (identity.proto, UserAccess).
#ifndef SCIM_IDENTITY_SERVICE_USER_ACCESS_H_
#define SCIM_IDENTITY_SERVICE_USER_ACCESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity-service/resource_store.h"
#include "scim/v1/identity.pb.h"

namespace scim::identity {

// Reads one user (never its password) and, with `groups_as_roles`, the
// groups it is in through the membership reverse edges: O(the user's
// groups), nothing else of the tenant. Without it no edge is read.
// NOT_FOUND for an unknown or deleted user.
absl::Status ReadUserAccess(ResourceStore& store, absl::string_view tenant,
                            absl::string_view user_id, bool groups_as_roles,
                            v1::UserAccess* out);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_USER_ACCESS_H_
