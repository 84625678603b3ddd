// gRPC metadata every internal call may carry, and the tenant id rule: shared
// by the edge (which sets them) and the services (which read them).
#ifndef SCIM_COMMON_REQUEST_METADATA_H_
#define SCIM_COMMON_REQUEST_METADATA_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"

namespace scim {

// Who acts (API key id, OAuth client id, "admin"), for the audit trail.
inline constexpr char kActorMetadata[] = "x-scim-actor";
inline constexpr char kRequestIdMetadata[] = "x-request-id";
inline constexpr char kClientAddressMetadata[] = "x-client-address";

// What a call carries beside its request, as one value: the edge fills it
// once per HTTP request. Over gRPC it travels as the metadata above plus
// `authorization` and the deadline; a caller in the same process (scimd's
// edge calling identity-service) hands the value over as is, with no gRPC
// call in between.
struct CallMetadata {
  std::string authorization;  // the header's value: "Bearer <credential>"
  std::string actor;
  std::string request_id;
  std::string client_address;
  absl::Time deadline = absl::InfiniteFuture();
  // Whether the caller went away; null for a caller that waits for its
  // answer in this process.
  std::function<bool()> cancelled;
};

// A context for one gRPC call carrying `metadata` (a context serves one call).
std::unique_ptr<grpc::ClientContext> NewClientContext(const CallMetadata& metadata);
// The value of metadata `key` of a served call, or "".
std::string MetadataValue(const grpc::ServerContext& context, absl::string_view key);
// What a served call carries; `client_address` falls back to the peer's.
// `cancelled` asks `context`, which must outlive the result.
CallMetadata CallMetadataOf(const grpc::ServerContext& context);

// The credential of an `authorization` value ("Bearer <credential>"), or "".
std::string BearerOf(absl::string_view authorization);

// Tenant ids: [a-z0-9][a-z0-9-]{0,62} (CONTRACT.md).
bool IsValidTenantId(absl::string_view id);

}  // namespace scim

#endif  // SCIM_COMMON_REQUEST_METADATA_H_
