// The flags of identity-service's own behaviour, shared by the
// identity-service binary and scimd so that both read them alike.
#ifndef SCIM_IDENTITY_SERVICE_IDENTITY_FLAGS_H_
#define SCIM_IDENTITY_SERVICE_IDENTITY_FLAGS_H_

#include <cstdint>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(absl::Duration, tombstone_retention);
ABSL_DECLARE_FLAG(int64_t, list_scan_limit);
ABSL_DECLARE_FLAG(absl::Duration, event_retention);

namespace scim::identity {
struct IdentityOptions;
// IdentityComponent's options as the flags above set them.
IdentityOptions IdentityOptionsFromFlags();
}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IDENTITY_FLAGS_H_
