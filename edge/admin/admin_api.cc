#include "edge/admin/admin_api.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/console_url.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"

namespace scim::edge {
namespace {

// Key, client and link records without their secret hashes.
template <typename M>
Json WithoutHash(const M& m) {
  Json j = MessageJson(m);
  if (j.is_object()) j.erase("secretHash");
  return j;
}
Json KeyJson(const v1::ApiKey& key) { return WithoutHash(key); }
Json ClientJson(const v1::OAuthClient& client) { return WithoutHash(client); }

// `body[name]`, a count of seconds (0 when absent); false once answered 400.
bool SecondsField(Call& call, const Json& body, const char* name, int64_t* out) {
  *out = 0;
  if (!body.contains(name)) return true;
  if (!body[name].is_number_integer() || body[name].get<int64_t>() < 0) {
    call.Error(400, "invalidValue", absl::StrCat(name, " must be a whole number of seconds"));
    return false;
  }
  *out = body[name].get<int64_t>();
  return true;
}

bool IsStateChange(const std::string& method) {
  return method != "GET" && method != "HEAD";
}

// A JSON body; an absent body is an empty object.
bool BodyOf(Call& call, Json* out) {
  if (call.req.body.empty()) {
    *out = Json::object();
    return true;
  }
  return call.ParseBody(out);
}

}  // namespace

Json MessageJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(m, &text, options).ok()) return Json();
  return Json::parse(text, nullptr, false);
}

std::string CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

CallMetadata AdminApi::MetadataOf(const Call& call, const Session& session) const {
  return call.MetadataAs(session.kind == Session::Kind::kAdmin ? "console" : "setup-link",
                         "Bearer " + session.credential);
}

void AdminApi::Handle(Call& call) {
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(call.req.path).substr(sizeof("/admin/api/") - 1), '/',
                     absl::SkipEmpty());
  // A fixed set of route labels (metrics): never the client's own words.
  const bool known = !parts.empty() && (parts[0] == "session" || parts[0] == "tenants");
  call.route = known ? absl::StrCat("/admin/api/", parts[0]) : "/admin/api/{unknown}";
  // Never cached: answers carry secrets shown once.
  call.res.set_header("Cache-Control", "no-store");
  if (parts.size() == 1 && parts[0] == "session" && call.req.method == "POST") {
    SignIn(call);
    return;
  }
  const std::string id = CookieValue(call.req.get_header_value("Cookie"), kSessionCookie);
  std::optional<Session> session = sessions_->Find(id);
  if (!session.has_value()) {
    call.Error(401, "", "sign in first: no console session, or it expired");
    return;
  }
  if (IsStateChange(call.req.method) &&
      call.req.get_header_value(kCsrfHeader) != session->csrf) {
    call.Error(403, "", absl::StrCat("missing or wrong ", kCsrfHeader, " header"));
    return;
  }
  if (parts.size() == 1 && parts[0] == "session") {
    if (call.req.method == "DELETE") {
      sessions_->Revoke(id);
      call.res.set_header("Set-Cookie", absl::StrCat(kSessionCookie,
                                                     "=; Path=/admin; Max-Age=0; HttpOnly; "
                                                     "SameSite=Strict"));
      call.res.status = 204;
      return;
    }
    if (call.req.method != "GET") return call.MethodNotAllowed("GET, POST, DELETE");
    call.Json(200, Json{{"kind", session->kind == Session::Kind::kAdmin ? "admin" : "setupLink"},
                        {"tenant", session->tenant},
                        {"csrfToken", session->csrf},
                        {"expires", absl::FormatTime(absl::RFC3339_sec, session->expires,
                                                     absl::UTCTimeZone())}});
    return;
  }
  if (!InScope(*session, call.req.method, parts)) {
    call.Error(403, "",
               "a setup link reaches its own tenant's keys, activity and Test connection only");
    return;
  }
  if (!parts.empty() && parts[0] == "tenants") {
    Tenants(call, *session, parts);
    return;
  }
  call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
}

void AdminApi::SignIn(Call& call) {
  Json body;
  if (!BodyOf(call, &body)) return;
  auto text = [&](const char* name) {
    return body.is_object() && body.contains(name) && body[name].is_string()
               ? body[name].get<std::string>()
               : std::string();
  };
  const std::string token = text("token");
  const std::string link = text("setupLink");
  if (!link.empty() && token.empty() && link.size() <= 1024) {
    OpenSetupLink(call, link);
    return;
  }
  if (token.empty() || token.size() > 1024) {
    call.Error(400, "invalidValue",
               "\"token\" (the admin token) or \"setupLink\" (a setup link's secret) is "
               "required");
    return;
  }
  // The admin token is whatever token-service takes for its admin RPCs.
  Session session;
  session.kind = Session::Kind::kAdmin;
  session.credential = token;
  v1::ListTenantsResponse ignored;
  grpc::Status s = token_->ListTenants(Context(call, session).get(), v1::ListTenantsRequest(),
                                       &ignored);
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
      s.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    call.Error(401, "", "that is not the admin token");
    return;
  }
  if (!s.ok()) return call.Error(FromGrpcStatus(s));
  session.csrf = sessions_->NewToken();
  session.expires = clock_->Now() + ttl_;
  StartSession(call, session);
  call.Json(200, Json{{"kind", "admin"}, {"csrfToken", session.csrf}});
}

void AdminApi::OpenSetupLink(Call& call, const std::string& secret) {
  v1::RedeemSetupLinkRequest redeem;
  redeem.set_secret(secret);
  v1::SetupLink link;
  // Open at token-service: the secret in the request is the credential.
  grpc::Status s = token_->RedeemSetupLink(call.GrpcContextAs("setup-link", "").get(), redeem,
                                           &link);
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    call.Error(401, "", "this setup link is not valid: it may have expired or been revoked");
    return;
  }
  if (!s.ok()) return call.Error(FromGrpcStatus(s));
  Session session;
  session.kind = Session::Kind::kSetupLink;
  session.credential = secret;
  session.tenant = link.tenant();
  session.csrf = sessions_->NewToken();
  // No longer than the link itself.
  session.expires = std::min(clock_->Now() + ttl_, absl::FromUnixSeconds(link.expires().seconds()));
  StartSession(call, session);
  call.Json(200, Json{{"kind", "setupLink"}, {"tenant", link.tenant()}, {"csrfToken", session.csrf}});
}

void AdminApi::StartSession(Call& call, const Session& session) {
  const std::string id = sessions_->Create(session);
  const int64_t max_age =
      std::max<int64_t>(1, absl::ToInt64Seconds(session.expires - clock_->Now()));
  call.res.set_header(
      "Set-Cookie",
      absl::StrCat(kSessionCookie, "=", id, "; Path=/admin; Max-Age=", max_age,
                   "; HttpOnly; SameSite=Strict", call.origin.scheme == "https" ? "; Secure" : ""));
}

bool AdminApi::InScope(const Session& session, const std::string& method,
                       const std::vector<std::string>& parts) {
  if (session.kind == Session::Kind::kAdmin) return true;
  // A setup link: its own tenant, to read it, its keys, its activity (read)
  // and Test connection (reads only: the other services hold the link's
  // credential to read-only).
  if (parts.size() < 2 || parts[0] != "tenants" || parts[1] != session.tenant) return false;
  if (parts.size() == 2) return method == "GET";
  return parts[2] == "keys" || (parts[2] == "activity" && method == "GET") ||
         (parts[2] == "test" && parts.size() == 3);
}

void AdminApi::SetupLinks(Call& call, const Session& session, const std::string& tenant,
                          const std::vector<std::string>& parts) {
  const std::string& method = call.req.method;
  if (parts.size() == 3) {
    if (method == "GET") {
      v1::ListSetupLinksRequest list;
      list.set_tenant(tenant);
      v1::ListSetupLinksResponse out;
      grpc::Status s = token_->ListSetupLinks(Context(call, session).get(), list, &out);
      if (!s.ok()) return call.Error(FromGrpcStatus(s));
      Json links = Json::array();
      for (const v1::SetupLink& l : out.links()) links.push_back(WithoutHash(l));
      return call.Json(200, Json{{"links", std::move(links)}});
    }
    if (method != "POST") return call.MethodNotAllowed("GET, POST");
    Json body;
    if (!BodyOf(call, &body)) return;
    v1::CreateSetupLinkRequest create;
    create.set_tenant(tenant);
    int64_t ttl = 0;
    if (!SecondsField(call, body, "ttlSeconds", &ttl)) return;
    create.set_ttl_seconds(ttl);
    v1::CreateSetupLinkResponse out;
    grpc::Status s = token_->CreateSetupLink(Context(call, session).get(), create, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    // The secret rides in the fragment: browsers never send it to a server
    // (no access log, no Referer).
    return call.Json(201, Json{{"link", WithoutHash(out.link())},
                               {"secret", out.secret()},
                               {"url", SetupUrl(call.Origin(), out.secret())}});
  }
  if (parts.size() == 4) {
    if (method != "DELETE") return call.MethodNotAllowed("DELETE");
    v1::RevokeSetupLinkRequest revoke;
    revoke.set_tenant(tenant);
    revoke.set_link_id(parts[3]);
    v1::SetupLink out;
    grpc::Status s = token_->RevokeSetupLink(Context(call, session).get(), revoke, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, WithoutHash(out));
  }
  call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
}

void AdminApi::Tenants(Call& call, const Session& session,
                       const std::vector<std::string>& parts) {
  const std::string& method = call.req.method;
  if (parts.size() == 1) {
    if (method == "GET") {
      v1::ListTenantsResponse out;
      grpc::Status s = token_->ListTenants(Context(call, session).get(), {}, &out);
      if (!s.ok()) return call.Error(FromGrpcStatus(s));
      Json tenants = Json::array();
      for (const v1::Tenant& t : out.tenants()) tenants.push_back(MessageJson(t));
      return call.Json(200, Json{{"tenants", std::move(tenants)}});
    }
    if (method != "POST") return call.MethodNotAllowed("GET, POST");
    Json body;
    if (!BodyOf(call, &body)) return;
    v1::CreateTenantRequest create;
    create.set_id(body.value("name", ""));
    v1::Tenant tenant;
    grpc::Status s = token_->CreateTenant(Context(call, session).get(), create, &tenant);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    if (const std::string idp = body.value("identityProvider", ""); !idp.empty()) {
      v1::UpdateTenantSettingsRequest update;
      update.set_id(tenant.id());
      update.set_identity_provider(idp);
      s = token_->UpdateTenantSettings(Context(call, session).get(), update, &tenant);
      if (!s.ok()) {
        // Not half made: the tenant goes again.
        v1::DeleteTenantRequest undo;
        undo.set_id(tenant.id());
        v1::DeleteTenantResponse ignored;
        token_->DeleteTenant(Context(call, session).get(), undo, &ignored);
        return call.Error(FromGrpcStatus(s));
      }
    }
    return call.Json(201, MessageJson(tenant));
  }
  const std::string& tenant = parts[1];
  if (parts.size() == 2) {
    if (method == "GET") {
      v1::GetTenantRequest get;
      get.set_id(tenant);
      v1::Tenant out;
      grpc::Status s = token_->GetTenant(Context(call, session).get(), get, &out);
      if (!s.ok()) return call.Error(FromGrpcStatus(s));
      return call.Json(200, MessageJson(out));
    }
    if (method != "DELETE") return call.MethodNotAllowed("GET, DELETE");
    if (call.req.get_param_value("confirm") != tenant) {
      return call.Error(400, "invalidValue",
                        "deleting a tenant needs ?confirm= with its name typed again");
    }
    v1::DeleteTenantRequest del;
    del.set_id(tenant);
    v1::DeleteTenantResponse out;
    grpc::Status s = token_->DeleteTenant(Context(call, session).get(), del, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    call.res.status = 204;
    return;
  }
  const std::string& what = parts[2];
  if (parts.size() == 3 && (what == "disable" || what == "enable")) {
    if (method != "POST") return call.MethodNotAllowed("POST");
    v1::SetTenantDisabledRequest set;
    set.set_id(tenant);
    set.set_disabled(what == "disable");
    v1::Tenant out;
    grpc::Status s = token_->SetTenantDisabled(Context(call, session).get(), set, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, MessageJson(out));
  }
  if (parts.size() == 3 && what == "settings") {
    if (method != "PATCH") return call.MethodNotAllowed("PATCH");
    Json body;
    if (!BodyOf(call, &body)) return;
    // The request message's own JSON form: unknown names are refused.
    v1::UpdateTenantSettingsRequest update;
    Json named = body;
    named["id"] = tenant;
    if (!google::protobuf::util::JsonStringToMessage(named.dump(), &update).ok()) {
      return call.Error(400, "invalidValue",
                        "settings are deleteMode, rateLimit, rateBurst, unknownAttributes, "
                        "groupsAsRoles and identityProvider, each of its type");
    }
    v1::Tenant out;
    grpc::Status s = token_->UpdateTenantSettings(Context(call, session).get(), update, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, MessageJson(out));
  }
  if (what == "keys") return Keys(call, session, tenant, parts);
  if (what == "setup-links") return SetupLinks(call, session, tenant, parts);
  if (what == "users" || what == "groups") return Directory(call, session, tenant, parts);
  if (what == "activity") return Activity(call, session, tenant, parts);
  if (what == "summary" && parts.size() == 3) {
    if (method != "GET") return call.MethodNotAllowed("GET");
    return Summary(call, session, tenant);
  }
  if (what == "test" && parts.size() == 3) {
    if (method != "POST") return call.MethodNotAllowed("POST");
    return TestConnection(call, session, tenant);
  }
  if (what == "clients") return Clients(call, session, tenant, parts);
  call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
}

void AdminApi::Keys(Call& call, const Session& session, const std::string& tenant,
                    const std::vector<std::string>& parts) {
  const std::string& method = call.req.method;
  if (parts.size() == 3) {
    if (method == "GET") {
      v1::ListApiKeysRequest list;
      list.set_tenant(tenant);
      v1::ListApiKeysResponse out;
      grpc::Status s = token_->ListApiKeys(Context(call, session).get(), list, &out);
      if (!s.ok()) return call.Error(FromGrpcStatus(s));
      Json keys = Json::array();
      for (const v1::ApiKey& k : out.keys()) keys.push_back(KeyJson(k));
      return call.Json(200, Json{{"keys", std::move(keys)}});
    }
    if (method != "POST") return call.MethodNotAllowed("GET, POST");
    Json body;
    if (!BodyOf(call, &body)) return;
    v1::CreateApiKeyRequest create;
    create.set_tenant(tenant);
    if (body.contains("label") && body["label"].is_string()) create.set_label(body["label"]);
    v1::CreateApiKeyResponse out;
    grpc::Status s = token_->CreateApiKey(Context(call, session).get(), create, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(201, Json{{"key", KeyJson(out.key())}, {"secret", out.secret()}});
  }
  const std::string& key_id = parts[3];
  if (parts.size() == 5 && parts[4] == "rotate") {
    if (method != "POST") return call.MethodNotAllowed("POST");
    Json body;
    if (!BodyOf(call, &body)) return;
    v1::RotateApiKeyRequest rotate;
    rotate.set_tenant(tenant);
    rotate.set_key_id(key_id);
    int64_t grace = 0;
    if (!SecondsField(call, body, "graceSeconds", &grace)) return;
    rotate.set_grace_seconds(grace);
    v1::CreateApiKeyResponse out;
    grpc::Status s = token_->RotateApiKey(Context(call, session).get(), rotate, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(201, Json{{"key", KeyJson(out.key())}, {"secret", out.secret()}});
  }
  if (parts.size() == 4) {
    if (method != "DELETE") return call.MethodNotAllowed("DELETE");
    v1::RevokeApiKeyRequest revoke;
    revoke.set_tenant(tenant);
    revoke.set_key_id(key_id);
    v1::ApiKey out;
    grpc::Status s = token_->RevokeApiKey(Context(call, session).get(), revoke, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, KeyJson(out));
  }
  call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
}

void AdminApi::Clients(Call& call, const Session& session, const std::string& tenant,
                       const std::vector<std::string>& parts) {
  const std::string& method = call.req.method;
  if (parts.size() == 3) {
    if (method != "POST") return call.MethodNotAllowed("POST");
    v1::CreateClientRequest create;
    create.set_tenant(tenant);
    v1::CreateClientResponse out;
    grpc::Status s = token_->CreateClient(Context(call, session).get(), create, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(201, Json{{"client", ClientJson(out.client())}, {"secret", out.secret()}});
  }
  if (parts.size() == 4) {
    if (method != "DELETE") return call.MethodNotAllowed("DELETE");
    v1::RevokeClientRequest revoke;
    revoke.set_tenant(tenant);
    revoke.set_client_id(parts[3]);
    v1::OAuthClient out;
    grpc::Status s = token_->RevokeClient(Context(call, session).get(), revoke, &out);
    if (!s.ok()) return call.Error(FromGrpcStatus(s));
    return call.Json(200, ClientJson(out));
  }
  call.Error(404, "", absl::StrCat("no such admin endpoint: ", call.req.path));
}

}  // namespace scim::edge
