// POST /Bulk translated to and from identity-service (see bulk_handler.h).
#include "edge/bulk_handler.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "edge/bulk_request.h"
#include "edge/error_body.h"
#include "edge/list_query.h"
#include "httplib.h"
#include "scim/json_codec.h"

namespace scim::edge {
namespace {

using json = Json;

constexpr char kBulkResponseSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

}  // namespace

void BulkHandler::Handle(Call& call) {
  if (call.req.method != "POST") {
    call.MethodNotAllowed("POST");
    return;
  }
  json body;
  if (!call.ParseBody(&body)) return;
  absl::StatusOr<v1::BulkRequest> parsed = ParseBulkRequest(body);
  if (!parsed.ok()) {
    call.Error(parsed.status());
    return;
  }
  v1::BulkRequest& request = *parsed;
  request.set_tenant(call.tenant);
  ProjectionFromParams(call.req.params, request.mutable_projection());
  v1::BulkResponse response;
  absl::Status s = FromGrpcStatus(identity_->Run(call.tenant, [&](sharding::IdentityRouter::Stub& stub) {
    response.Clear();
    return stub.Bulk(call.GrpcContext().get(), request, &response);
  }));
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  json results = json::array();
  for (const v1::BulkOperationResult& r : response.operations()) {
    json result = {{"method", r.method()}};
    if (!r.bulk_id().empty()) result["bulkId"] = r.bulk_id();
    if (!r.version().empty()) result["version"] = r.version();
    if (!r.location().empty()) result["location"] = call.Origin() + r.location();
    result["status"] = std::to_string(r.status());
    json answer;
    if (r.has_user() || r.has_group()) {
      answer = EncodeResource(r.has_user()
                                  ? static_cast<const google::protobuf::Message&>(r.user())
                                  : r.group());
      call.AbsolutizeLocation(answer);
    } else if (r.has_error()) {
      answer = json::parse(
          ErrorBody(r.error().status(), r.error().scim_type(), r.error().detail()));
    }
    if (!answer.is_null()) result["response"] = std::move(answer);
    results.push_back(std::move(result));
  }
  call.Json(200, {{"schemas", {kBulkResponseSchema}}, {"Operations", std::move(results)}});
}

}  // namespace scim::edge
