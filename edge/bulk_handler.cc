// POST /Bulk translated to and from identity-service (see bulk_handler.h).
#include "edge/bulk_handler.h"

#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "edge/error_body.h"
#include "edge/list_query.h"
#include "httplib.h"
#include "scim/json_codec.h"

namespace scim::edge {
namespace {

using json = Json;

constexpr char kBulkRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
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
  if (!body.is_object()) {
    call.Error(400, scim_type::kInvalidSyntax, "the Bulk body must be a JSON object");
    return;
  }
  v1::BulkRequest request;
  request.set_tenant(call.tenant);
  ProjectionFromParams(call.req.params, request.mutable_projection());
  const json* operations = nullptr;
  for (const auto& [key, value] : body.items()) {
    if (absl::EqualsIgnoreCase(key, "schemas")) {
      if (!CheckMessageSchema(call, value, kBulkRequestSchema)) return;
    } else if (absl::EqualsIgnoreCase(key, "failOnErrors")) {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
          value.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
        call.Error(400, scim_type::kInvalidValue,
                   "failOnErrors must be a non-negative integer");
        return;
      }
      request.set_fail_on_errors(value.get<int32_t>());
    } else if (absl::EqualsIgnoreCase(key, "Operations")) {
      operations = &value;
    }
  }
  if (operations == nullptr || !operations->is_array()) {
    call.Error(400, scim_type::kInvalidSyntax,
               "a BulkRequest needs an \"Operations\" array");
    return;
  }
  for (size_t i = 0; i < operations->size(); ++i) {
    const json& op = (*operations)[i];
    if (!op.is_object()) {
      call.Error(400, scim_type::kInvalidSyntax,
                 absl::StrCat("Operations[", i, "] is not an object"));
      return;
    }
    v1::BulkOperation* out = request.add_operations();
    for (const auto& [key, value] : op.items()) {
      std::string* field = absl::EqualsIgnoreCase(key, "method")    ? out->mutable_method()
                           : absl::EqualsIgnoreCase(key, "bulkId")  ? out->mutable_bulk_id()
                           : absl::EqualsIgnoreCase(key, "version") ? out->mutable_version()
                           : absl::EqualsIgnoreCase(key, "path")    ? out->mutable_path()
                                                                    : nullptr;
      if (field != nullptr) {
        if (!value.is_string()) {
          call.Error(400, scim_type::kInvalidSyntax,
                     absl::StrCat("Operations[", i, "].", key, " must be a string"));
          return;
        }
        *field = value.get<std::string>();
      } else if (absl::EqualsIgnoreCase(key, "data")) {
        JsonToValue(value, out->mutable_data());
      }
    }
  }
  v1::BulkResponse response;
  auto context = call.GrpcContext();
  absl::Status s = FromGrpcStatus(identity_->Bulk(context.get(), request, &response));
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
