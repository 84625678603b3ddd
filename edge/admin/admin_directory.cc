// AdminApi's read-only views (admin_api.h): the directory (users and groups,
// SCIM JSON as an IdP would read it), the activity (the audit trail) and
// Test connection. All with the session's credential.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "edge/admin/admin_api.h"
#include "edge/list_query.h"
#include "httplib.h"
#include "scim/json_codec.h"

namespace scim::edge {
namespace {

// A page of the directory as SCIM ListResponse-like JSON.
Json PageJson(Call& call, ListPage& page) {
  Json resources = Json::array();
  for (const auto& r : page.resources) {
    Json encoded = EncodeResource(*r);
    call.AbsolutizeLocation(encoded);
    resources.push_back(std::move(encoded));
  }
  return Json{{"totalResults", page.total_results},
              {"startIndex", page.start_index},
              {"itemsPerPage", page.items_per_page},
              {"Resources", std::move(resources)}};
}

}  // namespace

void AdminApi::Directory(Call& call, const Session& session, const std::string& tenant,
                         const std::vector<std::string>& parts) {
  if (call.req.method != "GET") return call.MethodNotAllowed("GET");
  ResourceRpcs* rpcs = parts[2] == "users" ? readers_.users : readers_.groups;
  if (rpcs == nullptr) return call.Error(404, "", "the directory is not served here");
  const QueryParams params(call.req.params.begin(), call.req.params.end());
  // A group comes without its members (they may be many): /members pages them.
  v1::Projection projection;
  if (parts[2] == "groups") projection.add_excluded_attributes("members");
  if (parts.size() == 3) {
    v1::ListRequest query;
    if (absl::Status s = ListRequestFromParams(params, &query); !s.ok()) return call.Error(s);
    if (parts[2] == "groups" && query.attributes().empty()) {
      query.add_excluded_attributes("members");
    }
    ListPage page;
    grpc::Status s = rpcs->List(MetadataOf(call, session), tenant, query, &page);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, PageJson(call, page));
  }
  const std::string& id = parts[3];
  if (parts.size() == 4) {
    std::unique_ptr<google::protobuf::Message> out = rpcs->New();
    grpc::Status s = rpcs->Get(MetadataOf(call, session), tenant, id, projection, out.get());
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    Json encoded = EncodeResource(*out);
    call.AbsolutizeLocation(encoded);
    return call.Json(200, encoded);
  }
  if (parts.size() == 5 && parts[2] == "groups" && parts[4] == "members" &&
      readers_.users != nullptr) {
    // The group's members, a page at a time: users whose groups hold it.
    v1::ListRequest query;
    if (absl::Status s = ListRequestFromParams(params, &query); !s.ok()) return call.Error(s);
    query.set_filter(absl::StrCat("groups.value eq \"", id, "\""));
    query.clear_attributes();
    query.add_attributes("userName");
    query.add_attributes("displayName");
    ListPage page;
    grpc::Status s = readers_.users->List(MetadataOf(call, session), tenant, query, &page);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, PageJson(call, page));
  }
  call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
}

void AdminApi::Activity(Call& call, const Session& session, const std::string& tenant,
                        const std::vector<std::string>& parts) {
  if (call.req.method != "GET") return call.MethodNotAllowed("GET");
  if (readers_.audit == nullptr) return call.Error(404, "", "the audit trail is not served here");
  if (parts.size() == 4 && parts[3] == "verify") {
    v1::VerifyRequest verify;
    verify.set_tenant(tenant);
    v1::VerifyResponse out;
    grpc::Status s = readers_.audit->Verify(Context(call, session).get(), verify, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, MessageJson(out));
  }
  if (parts.size() != 3) return call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
  v1::QueryRequest query;
  query.set_tenant(tenant);
  query.set_operation(call.req.get_param_value("operation"));
  uint64_t after = 0;
  int32_t limit = 100;
  if ((call.req.has_param("after") && !absl::SimpleAtoi(call.req.get_param_value("after"), &after)) ||
      (call.req.has_param("limit") &&
       (!absl::SimpleAtoi(call.req.get_param_value("limit"), &limit) || limit < 1 || limit > 1000))) {
    return call.Error(400, "invalidValue", "after is a sequence number; limit is 1 to 1000");
  }
  query.set_after_sequence(after);
  query.set_limit(limit);
  v1::QueryResponse out;
  grpc::Status s = readers_.audit->Query(Context(call, session).get(), query, &out);
  if (!s.ok()) return call.Error(FromGrpcStatus(s));
  Json events = Json::array();
  for (const v1::AuditEvent& e : out.events()) {
    Json j = MessageJson(e);
    // The chain's bytes are for Verify, not for reading.
    j.erase("prevHash");
    j.erase("hash");
    events.push_back(std::move(j));
  }
  call.Json(200, Json{{"events", std::move(events)}, {"next", out.next_after_sequence()}});
}

void AdminApi::Summary(Call& call, const Session& session, const std::string& tenant) {
  Json summary = Json::object();
  for (ResourceRpcs* rpcs : {readers_.users, readers_.groups}) {
    if (rpcs == nullptr) continue;
    v1::ListRequest query;
    query.set_count(0);  // the total alone: a counter read
    ListPage page;
    grpc::Status s = rpcs->List(MetadataOf(call, session), tenant, query, &page);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    summary[absl::AsciiStrToLower(rpcs->endpoint())] = page.total_results;
  }
  if (readers_.audit != nullptr) {
    v1::TailRequest tail;
    tail.set_tenant(tenant);
    tail.set_limit(1);
    v1::TailResponse out;
    grpc::Status s = readers_.audit->Tail(Context(call, session).get(), tail, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    if (!out.events().empty()) {
      const v1::AuditEvent& e = out.events(out.events_size() - 1);
      Json last = MessageJson(e);
      summary["lastActivity"] = Json{{"time", last.value("time", Json())},
                                     {"operation", e.operation()},
                                     {"outcome", last.value("outcome", Json())}};
    }
  }
  call.Json(200, summary);
}

void AdminApi::TestConnection(Call& call, const Session& session, const std::string& tenant) {
  // What an IdP's own test does: the tenant answers, discovery works, and
  // users and groups can be listed.
  Json steps = Json::array();
  auto step = [&](const std::string& name, const grpc::Status& s, const std::string& ok_detail) {
    steps.push_back(Json{{"step", name},
                         {"ok", s.ok()},
                         {"detail", s.ok() ? ok_detail : s.error_message()}});
    return s.ok();
  };
  v1::GetTenantRequest get;
  get.set_id(tenant);
  v1::Tenant t;
  grpc::Status s = token_->GetTenant(Context(call, session).get(), get, &t);
  if (s.ok() && t.disabled()) {
    s = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                     "the tenant is disabled: its SCIM calls get 403");
  }
  bool ok = step("Tenant", s, "exists and is enabled");
  if (ok && readers_.discovery != nullptr) {
    absl::StatusOr<std::shared_ptr<const SchemaRegistry>> registry =
        readers_.discovery->For(Context(call, session).get(), tenant);
    ok = step("Discovery (/ServiceProviderConfig, /Schemas, /ResourceTypes)",
              registry.ok() ? grpc::Status::OK : ToGrpcStatus(registry.status()),
              registry.ok() ? absl::StrCat((*registry)->schemas().size(), " schemas") : "");
  }
  for (ResourceRpcs* rpcs : {readers_.users, readers_.groups}) {
    if (!ok || rpcs == nullptr) break;
    v1::ListRequest query;
    query.set_count(1);
    ListPage page;
    s = rpcs->List(MetadataOf(call, session), tenant, query, &page);
    ok = step(absl::StrCat("List ", rpcs->endpoint()), s,
              absl::StrCat(page.total_results, " ", absl::AsciiStrToLower(rpcs->endpoint())));
  }
  call.Json(200, Json{{"ok", ok}, {"steps", std::move(steps)}});
}

}  // namespace scim::edge
