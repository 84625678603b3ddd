// The admin token: created at first start in <data_dir>/admin.token (0600),
// required as `authorization: Bearer <token>` on admin RPCs.
#ifndef SCIM_COMMON_ADMIN_TOKEN_H_
#define SCIM_COMMON_ADMIN_TOKEN_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random.h"
#include "common/status.h"
#include "grpcpp/server_context.h"

namespace scim {

// Reads the token at `path`, creating it (and its directory) if missing.
// FAILED_PRECONDITION if other users could read or change the file.
absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path,
                                                   RandomSource& random);

// The credential that may only record refused requests in the audit log:
// what the edge holds instead of the admin token. Derived from the admin
// token (HMAC-SHA-256), so audit-service checks it with no other secret to
// distribute, and it reveals nothing of the admin token.
std::string DenialRecorderToken(absl::string_view admin_token);

// The bearer token in gRPC metadata, or "".
std::string BearerFromMetadata(const grpc::ServerContext& context);

// OK iff the call carries `token` as its bearer (constant-time compare).
absl::Status CheckAdmin(const grpc::ServerContext& context,
                        absl::string_view token);

// Runs `body` (returning absl::Status) only for callers holding the admin
// token; the result mapped for the wire. The shape of every admin RPC.
template <typename Fn>
grpc::Status AsAdmin(const grpc::ServerContext& context,
                     absl::string_view token, Fn body) {
  absl::Status status = CheckAdmin(context, token);
  if (status.ok()) status = body();
  return ToGrpcStatus(status);
}

// OK when a call may act on `tenant`; otherwise the status to answer with
// (UNAUTHENTICATED, PERMISSION_DENIED). Identity-service's rule (the admin
// token, or a credential of that tenant) is passed to the services beside it.
using TenantAuthorizer =
    std::function<absl::Status(const grpc::ServerContext& context, const std::string& tenant)>;

// Runs `body` (returning absl::Status) only when `authorize` lets the call
// act on `tenant`; the result mapped for the wire. The shape of every
// tenant RPC of those services.
template <typename Fn>
grpc::Status AsTenant(const TenantAuthorizer& authorize, const grpc::ServerContext& context,
                      const std::string& tenant, Fn body) {
  absl::Status status = authorize(context, tenant);
  if (status.ok()) status = body();
  return ToGrpcStatus(status);
}

}  // namespace scim

#endif  // SCIM_COMMON_ADMIN_TOKEN_H_
