// One HTTP request as it moves through the edge: its tenant and principal,
// and the helpers every handler answers with (SCIM errors, JSON, origins).
#ifndef SCIM_EDGE_CALL_H_
#define SCIM_EDGE_CALL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/client_context.h"
#include "common/request_metadata.h"
#include "scim/json_codec.h"
#include "clients/token/authenticator.h"
#include "edge/client_origin.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace scim::edge {

struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  std::string request_id;
  std::string route = "unknown";
  bool https = false;
  // The client's address, host and scheme: the TCP peer's, or what a trusted
  // proxy forwarded (client_origin.h).
  ClientOrigin origin;
  std::string tenant;
  token::Principal principal;

  void Error(int http, absl::string_view scim_type, absl::string_view detail);
  // A 500 tells the client only the request id; the status goes to the log.
  void Error(const absl::Status& status);
  void Json(int http, const ::scim::Json& body);
  // The same with the body already JSON text (scim/json_writer.h).
  void JsonText(int http, std::string body);
  // What a 503 tells the client to wait (Retry-After), in seconds.
  static constexpr int kUnavailableRetryAfterSeconds = 5;
  void MethodNotAllowed(absl::string_view allowed);

  // scheme://host of the request, as the client (or ingress) sees it.
  std::string Origin() const;
  // identity-service keeps meta.location as a path; make it absolute here.
  // So are the `$ref`s of members and groups.
  void AbsolutizeLocation(::scim::Json& resource) const;
  // The tenant's SCIM base URL as the client sees it.
  std::string Base() const;

  // What the services behind the edge are told of this request: the
  // client's credential (identity-service checks it itself), the principal
  // as actor, the request id, the client's address, and a 10 s deadline.
  CallMetadata Metadata() const;
  // The same for a call made on another's behalf (the console's session):
  // `actor` for the audit trail, `authorization` the header's value.
  CallMetadata MetadataAs(const std::string& actor, const std::string& authorization) const;
  // Metadata() and MetadataAs() in a context for one gRPC call.
  std::unique_ptr<grpc::ClientContext> GrpcContext() const;
  std::unique_ptr<grpc::ClientContext> GrpcContextAs(const std::string& actor,
                                                     const std::string& authorization) const;

  // Parses the request body as a JSON object, answering 415/400 itself.
  bool ParseBody(::scim::Json* out);
};

// `schemas` of an API message body (PatchOp, BulkRequest) must name `urn`;
// false when it does not (answered 400).
bool CheckMessageSchema(Call& call, const Json& schemas, absl::string_view urn);

}  // namespace scim::edge

#endif  // SCIM_EDGE_CALL_H_
