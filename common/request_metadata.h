// gRPC metadata every internal call may carry, and the tenant id rule: shared
// by the edge (which sets them) and the services (which read them).
#ifndef SCIM_COMMON_REQUEST_METADATA_H_
#define SCIM_COMMON_REQUEST_METADATA_H_

#include "absl/strings/string_view.h"

namespace scim {

// Who acts (API key id, OAuth client id, "admin"), for the audit trail.
inline constexpr char kActorMetadata[] = "x-scim-actor";
inline constexpr char kRequestIdMetadata[] = "x-request-id";
inline constexpr char kClientAddressMetadata[] = "x-client-address";

// Tenant ids: [a-z0-9][a-z0-9-]{0,62} (CONTRACT.md).
bool IsValidTenantId(absl::string_view id);

}  // namespace scim

#endif  // SCIM_COMMON_REQUEST_METADATA_H_
