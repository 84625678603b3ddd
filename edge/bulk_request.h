// A POST /Bulk body (RFC 7644 §3.7) as a v1::BulkRequest: the pure half of
// bulk_handler.h, with no HTTP in it (the Bulk fuzzer drives it directly).
#ifndef SCIM_EDGE_BULK_REQUEST_H_
#define SCIM_EDGE_BULK_REQUEST_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/json_codec.h"
#include "scim/v1/identity.pb.h"

namespace scim::edge {

inline constexpr char kBulkRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

// `schemas` of an API message body (PatchOp, BulkRequest) must name `urn`;
// otherwise 400 invalidSyntax.
absl::Status RequireMessageSchema(const Json& schemas, absl::string_view urn);

// schemas, failOnErrors and Operations (method, bulkId, version, path, data)
// of `body`, keys in any case; the caller sets tenant and projection. 400
// invalidSyntax / invalidValue naming the first problem.
absl::StatusOr<v1::BulkRequest> ParseBulkRequest(const Json& body);

}  // namespace scim::edge

#endif  // SCIM_EDGE_BULK_REQUEST_H_
