// CRUD, list and search of Users and Groups (see resource_handler.h).
#include "edge/resource_handler.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "edge/list_query.h"
#include "edge/patch_handler.h"
#include "httplib.h"
#include "scim/json_codec.h"
#include "scim/json_writer.h"

namespace scim::edge {
namespace {

using json = Json;

constexpr char kListResponseSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";

}  // namespace

void ResourceHandler::Handle(Call& call, ResourceRpcs& rpcs,
                             const std::string& id) {
  const std::string& method = call.req.method;
  const DecodeOptions decode{call.principal.strict_schema};
  const std::string endpoint = rpcs.endpoint();
  v1::Projection projection;
  ProjectionFromParams(call.req.params, &projection);
  const CallMetadata context = call.Metadata();
  std::unique_ptr<google::protobuf::Message> out = rpcs.New();
  if (id.empty()) {
    call.route = absl::StrCat("/t/{tenant}/scim/v2/", endpoint);
    if (method == "POST") {
      json body;
      if (!call.ParseBody(&body)) return;
      std::unique_ptr<google::protobuf::Message> in = rpcs.New();
      absl::Status s = DecodeResource(body, in.get(), decode);
      if (s.ok()) {
        s = FromGrpcStatus(
            rpcs.Create(context, call.tenant, *in, projection, out.get()));
      }
      if (!s.ok()) {
        call.Error(s);
        return;
      }
      const auto* f = out->GetDescriptor()->FindFieldByName("id");
      call.res.set_header("Location",
                          absl::StrCat(call.Base(), "/", endpoint, "/",
                                       out->GetReflection()->GetString(*out, f)));
      Respond(call, 201, *out);
      return;
    }
    if (method != "GET") {
      call.MethodNotAllowed("GET, POST");
      return;
    }
    v1::ListRequest query;
    if (absl::Status s = ListRequestFromParams(call.req.params, &query); !s.ok()) {
      call.Error(s);
      return;
    }
    List(call, rpcs, query);
    return;
  }

  call.route = absl::StrCat("/t/{tenant}/scim/v2/", endpoint, "/{id}");
  const std::string if_match = call.req.get_header_value("If-Match");
  absl::Status s;
  if (method == "GET") {
    if (conditional_->AnswerFromCache(call, endpoint, id)) return;
    s = FromGrpcStatus(rpcs.Get(context, call.tenant, id, projection, out.get()));
  } else if (method == "PUT") {
    json body;
    if (!call.ParseBody(&body)) return;
    std::unique_ptr<google::protobuf::Message> in = rpcs.New();
    s = DecodeResource(body, in.get(), decode);
    if (s.ok()) {
      s = FromGrpcStatus(rpcs.Replace(context, call.tenant, id, if_match, *in,
                                      projection, out.get()));
    }
  } else if (method == "PATCH") {
    v1::PatchRequest request;
    if (!ParsePatchBody(call, &request)) return;
    request.set_tenant(call.tenant);
    request.set_id(id);
    request.set_if_match(if_match);
    *request.mutable_projection() = projection;
    const bool no_content = rpcs.PatchAnswersNoContent() &&
                            projection.attributes().empty() &&
                            projection.excluded_attributes().empty();
    // Nothing but the ETag will be returned: ask for meta alone, so
    // identity-service reads no members back.
    if (no_content) request.mutable_projection()->add_attributes("meta");
    s = FromGrpcStatus(rpcs.Patch(context, request, out.get()));
    if (s.ok() && no_content) {
      SetEtag(call, *out);
      call.res.status = 204;
      return;
    }
  } else if (method == "DELETE") {
    s = FromGrpcStatus(rpcs.Delete(context, call.tenant, id, if_match));
    if (s.ok()) {
      call.res.status = 204;
      return;
    }
  } else {
    call.MethodNotAllowed("GET, PUT, PATCH, DELETE");
    return;
  }
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  Respond(call, 200, *out);
}

void ResourceHandler::HandleSearch(Call& call, ResourceRpcs& rpcs) {
  if (call.req.method != "POST") {
    call.MethodNotAllowed("POST");
    return;
  }
  json body;
  if (!call.ParseBody(&body)) return;
  v1::ListRequest query;
  if (absl::Status s = ListRequestFromSearch(body, &query); !s.ok()) {
    call.Error(s);
    return;
  }
  List(call, rpcs, query);
}

void ResourceHandler::List(Call& call, ResourceRpcs& rpcs, const v1::ListRequest& query) {
  ListPage page;
  const CallMetadata context = call.Metadata();
  absl::Status s =
      FromGrpcStatus(rpcs.List(context, call.tenant, query, &page));
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  // The page as text straight from the messages (scim/json_writer.h); the
  // document below only if a string is not UTF-8.
  const std::string origin = call.Origin();
  std::string body = absl::StrCat("{\"schemas\":[\"", kListResponseSchema, "\"]");
  if (!page.total_omitted) absl::StrAppend(&body, ",\"totalResults\":", page.total_results);
  if (!query.has_cursor()) absl::StrAppend(&body, ",\"startIndex\":", page.start_index);
  absl::StrAppend(&body, ",\"itemsPerPage\":", page.items_per_page);
  bool text = true;
  if (!page.next_cursor.empty()) {
    body += ",\"nextCursor\":";
    text = text && AppendJsonString(page.next_cursor, &body);
  }
  if (!page.previous_cursor.empty()) {
    body += ",\"previousCursor\":";
    text = text && AppendJsonString(page.previous_cursor, &body);
  }
  body += ",\"Resources\":[";
  for (size_t i = 0; text && i < page.resources.size(); ++i) {
    if (i > 0) body += ',';
    text = AppendResourceJson(*page.resources[i], origin, &body);
  }
  body += "]}";
  if (text) {
    call.JsonText(200, std::move(body));
    return;
  }
  json out;
  out["schemas"] = {kListResponseSchema};
  if (!page.total_omitted) out["totalResults"] = page.total_results;
  if (!query.has_cursor()) out["startIndex"] = page.start_index;
  out["itemsPerPage"] = page.items_per_page;
  if (!page.next_cursor.empty()) out["nextCursor"] = page.next_cursor;
  if (!page.previous_cursor.empty()) out["previousCursor"] = page.previous_cursor;
  out["Resources"] = json::array();
  for (const auto& resource : page.resources) {
    json encoded = EncodeResource(*resource);
    call.AbsolutizeLocation(encoded);
    out["Resources"].push_back(std::move(encoded));
  }
  call.Json(200, out);
}

void ResourceHandler::Respond(Call& call, int status,
                              const google::protobuf::Message& resource) {
  if (AnswerIfNotModified(call, resource)) return;
  if (std::string body; AppendResourceJson(resource, call.Origin(), &body)) {
    call.JsonText(status, std::move(body));
    return;
  }
  json out = EncodeResource(resource);
  call.AbsolutizeLocation(out);
  call.Json(status, out);
}

}  // namespace scim::edge
