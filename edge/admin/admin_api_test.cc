// The console's JSON API against the real services: sign-in, the session
// cookie and CSRF rules, tenants and keys, and the refusals (issue 18).
#include "edge/admin/admin_api.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/random.h"
#include "edge/admin/session_store.h"
#include "edge/edge_test_fixture.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

class AdminApiTest : public EdgeTest {
 protected:
  // Signs in with `token`; on success keeps the cookie and CSRF token.
  httplib::Result SignIn(const std::string& token) {
    auto res = client_->Post("/admin/api/session", json{{"token", token}}.dump(),
                             "application/json");
    if (res && res->status == 200) {
      const std::string set_cookie = res->get_header_value("Set-Cookie");
      cookie_ = set_cookie.substr(0, set_cookie.find(';'));
      csrf_ = json::parse(res->body)["csrfToken"];
    }
    return res;
  }
  httplib::Headers Headers(bool with_csrf = true) const {
    httplib::Headers h;
    if (!cookie_.empty()) h.emplace("Cookie", cookie_);
    if (with_csrf && !csrf_.empty()) h.emplace(kCsrfHeader, csrf_);
    return h;
  }
  httplib::Result Get(const std::string& path) { return client_->Get(path.c_str(), Headers()); }
  httplib::Result PostJson(const std::string& path, const json& body, bool with_csrf = true) {
    return client_->Post(path.c_str(), Headers(with_csrf), body.dump(), "application/json");
  }
  httplib::Result Delete(const std::string& path, bool with_csrf = true) {
    return client_->Delete(path.c_str(), Headers(with_csrf));
  }

  std::string cookie_, csrf_;
};

TEST_F(AdminApiTest, SignInGivesAnHttpOnlyStrictCookieAndACsrfToken) {
  ExpectError(Get("/admin/api/tenants"), 401);
  ExpectError(SignIn("not-the-token"), 401);
  ExpectError(client_->Post("/admin/api/session", "{}", "application/json"), 400);
  auto res = SignIn("admin");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StartsWith(set_cookie, std::string(kSessionCookie) + "=")) << set_cookie;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/admin"), std::string::npos) << set_cookie;
  // Plain HTTP here: not Secure (a TLS edge adds it).
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << set_cookie;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  // The credential stays server-side: not in the cookie, not in the body.
  EXPECT_EQ(res->body.find("\"admin\"}"), std::string::npos);
  EXPECT_EQ(cookie_.find("admin"), std::string::npos);
  const json who = json::parse(Get("/admin/api/session")->body);
  EXPECT_EQ(who["kind"], "admin");
  EXPECT_EQ(who["csrfToken"], csrf_);
}

TEST_F(AdminApiTest, TenantsAndKeysThroughTheApi) {
  ASSERT_EQ(SignIn("admin")->status, 200);
  auto listed = Get("/admin/api/tenants");
  ASSERT_EQ(listed->status, 200) << listed->body;
  std::vector<std::string> ids;
  const json tenants = json::parse(listed->body);
  for (const auto& t : tenants["tenants"]) ids.push_back(t["id"]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "acme"), ids.end()) << listed->body;

  // A state change without the CSRF token is refused, and changes nothing.
  ExpectError(PostJson("/admin/api/tenants", {{"name", "gamma"}}, false), 403);
  ExpectError(client_->Get("/admin/api/tenants/gamma", Headers()), 404);
  ExpectError(PostJson("/admin/api/tenants", {{"name", "gamma"}, {"identityProvider", "myspace"}}),
              400);
  ExpectError(client_->Get("/admin/api/tenants/gamma", Headers()), 404);
  auto created = PostJson("/admin/api/tenants", {{"name", "gamma"}, {"identityProvider", "okta"}});
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(json::parse(created->body)["settings"]["identityProvider"], "okta");
  ExpectError(PostJson("/admin/api/tenants", {{"name", "Bad Name"}}), 400);

  // A key: its secret once, usable for SCIM; never listed.
  auto key = PostJson("/admin/api/tenants/gamma/keys", json::object());
  ASSERT_EQ(key->status, 201) << key->body;
  const json made = json::parse(key->body);
  const std::string secret = made["secret"];
  const std::string key_id = made["key"]["id"];
  EXPECT_FALSE(made["key"].contains("secretHash")) << key->body;
  auto scim = client_->Get("/t/gamma/scim/v2/Users", Auth(secret));
  EXPECT_EQ(scim->status, 200) << scim->body;
  auto keys = Get("/admin/api/tenants/gamma/keys");
  ASSERT_EQ(keys->status, 200);
  EXPECT_EQ(keys->body.find(secret.substr(secret.size() - 20)), std::string::npos);
  EXPECT_EQ(keys->body.find("secretHash"), std::string::npos);
  EXPECT_EQ(json::parse(keys->body)["keys"][0]["id"], key_id);

  ExpectError(PostJson(absl::StrCat("/admin/api/tenants/gamma/keys/", key_id, "/rotate"),
                       {{"graceSeconds", -1}}),
              400, "invalidValue");
  ExpectError(PostJson(absl::StrCat("/admin/api/tenants/gamma/keys/", key_id, "/rotate"),
                       {{"graceSeconds", "a day"}}),
              400, "invalidValue");
  auto rotated = PostJson(absl::StrCat("/admin/api/tenants/gamma/keys/", key_id, "/rotate"),
                          {{"graceSeconds", 0}});
  ASSERT_EQ(rotated->status, 201) << rotated->body;
  EXPECT_NE(json::parse(rotated->body)["secret"], secret);
  auto revoked = Delete(absl::StrCat("/admin/api/tenants/gamma/keys/",
                                     std::string(json::parse(rotated->body)["key"]["id"])));
  ASSERT_EQ(revoked->status, 200) << revoked->body;
  EXPECT_EQ(json::parse(revoked->body)["state"], "revoked");

  // Settings, disable, enable.
  auto settings = client_->Patch("/admin/api/tenants/gamma/settings", Headers(),
                                 R"({"deleteMode":"soft","rateLimit":50})", "application/json");
  ASSERT_EQ(settings->status, 200) << settings->body;
  EXPECT_EQ(json::parse(settings->body)["settings"]["deleteMode"], "soft");
  ExpectError(client_->Patch("/admin/api/tenants/gamma/settings", Headers(),
                             R"({"nope":1})", "application/json"),
              400);
  auto disabled = PostJson("/admin/api/tenants/gamma/disable", json::object());
  ASSERT_EQ(disabled->status, 200);
  EXPECT_TRUE(json::parse(disabled->body)["disabled"].get<bool>());
  EXPECT_FALSE(json::parse(PostJson("/admin/api/tenants/gamma/enable", json::object())->body)
                   ["disabled"].get<bool>());

  // An OAuth client: its secret once.
  auto client = PostJson("/admin/api/tenants/gamma/clients", json::object());
  ASSERT_EQ(client->status, 201) << client->body;
  EXPECT_FALSE(json::parse(client->body)["secret"].get<std::string>().empty());

  // Delete needs the name typed again.
  ExpectError(Delete("/admin/api/tenants/gamma"), 400);
  ExpectError(Delete("/admin/api/tenants/gamma?confirm=acme"), 400);
  EXPECT_EQ(Delete("/admin/api/tenants/gamma?confirm=gamma")->status, 204);
  ExpectError(Get("/admin/api/tenants/gamma"), 404);
}

TEST_F(AdminApiTest, ASetupLinkReachesItsOwnTenantsKeysActivityAndTestOnly) {
  // token-service's own events (keys, links) reach the trail too.
  token_->StartShipping(
      v1::AuditService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments())), "admin");
  ASSERT_EQ(SignIn("admin")->status, 200);
  ASSERT_EQ(PostJson("/admin/api/tenants", {{"name", "gamma"}})->status, 201);
  ExpectError(PostJson("/admin/api/tenants/gamma/setup-links", {{"ttlSeconds", 1.5}}), 400);
  ExpectError(PostJson("/admin/api/tenants/gamma/setup-links", {{"ttlSeconds", 10}}), 400);
  auto made = PostJson("/admin/api/tenants/gamma/setup-links", {{"ttlSeconds", 3600}});
  ASSERT_EQ(made->status, 201) << made->body;
  const json link = json::parse(made->body);
  const std::string secret = link["secret"];
  EXPECT_TRUE(absl::StartsWith(secret, "scl_")) << secret;
  EXPECT_NE(std::string(link["url"]).find("/admin/#setup=" + secret), std::string::npos);
  auto listed = Get("/admin/api/tenants/gamma/setup-links");
  ASSERT_EQ(listed->status, 200);
  EXPECT_EQ(listed->body.find("secretHash"), std::string::npos);
  EXPECT_EQ(listed->body.find(secret.substr(20)), std::string::npos);
  const std::string admin_cookie = cookie_, admin_csrf = csrf_;

  // A fresh browser opens the link.
  cookie_.clear();
  csrf_.clear();
  ExpectError(client_->Post("/admin/api/session", json{{"setupLink", "scl_nope"}}.dump(),
                            "application/json"),
              401);
  auto opened = client_->Post("/admin/api/session", json{{"setupLink", secret}}.dump(),
                              "application/json");
  ASSERT_EQ(opened->status, 200) << opened->body;
  const std::string set_cookie = opened->get_header_value("Set-Cookie");
  cookie_ = set_cookie.substr(0, set_cookie.find(';'));
  csrf_ = json::parse(opened->body)["csrfToken"];
  EXPECT_EQ(json::parse(opened->body)["tenant"], "gamma");
  EXPECT_EQ(json::parse(Get("/admin/api/session")->body)["kind"], "setupLink");

  EXPECT_EQ(Get("/admin/api/tenants/gamma")->status, 200);
  auto key = PostJson("/admin/api/tenants/gamma/keys", json::object());
  ASSERT_EQ(key->status, 201) << key->body;
  EXPECT_EQ(client_->Get("/t/gamma/scim/v2/Users",
                         Auth(json::parse(key->body)["secret"].get<std::string>()))
                ->status,
            200);
  // Test connection and the activity, with the link's read-only credential
  // (identity-service and audit-service check it through token-service).
  auto test = PostJson("/admin/api/tenants/gamma/test", json::object());
  ASSERT_EQ(test->status, 200) << test->body;
  EXPECT_TRUE(json::parse(test->body)["ok"].get<bool>()) << test->body;
  json events;
  for (int i = 0; i < 200 && events.empty(); ++i) {
    auto page = Get("/admin/api/tenants/gamma/activity?operation=key.");
    ASSERT_EQ(page->status, 200) << page->body;
    events = json::parse(page->body)["events"];
    if (events.empty()) absl::SleepFor(absl::Milliseconds(25));
  }
  ASSERT_FALSE(events.empty());
  auto chain = Get("/admin/api/tenants/gamma/activity/verify");
  ASSERT_EQ(chain->status, 200) << chain->body;
  EXPECT_TRUE(json::parse(chain->body)["ok"].get<bool>()) << chain->body;
  // The link is not a SCIM credential, nor a way to write through gRPC.
  EXPECT_EQ(client_->Get("/t/gamma/scim/v2/Users", Auth(secret))->status, 401);
  {
    auto identity = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + secret);
    v1::CreateUserRequest create;
    create.set_tenant("gamma");
    create.mutable_user()->set_user_name("mallory");
    v1::User created;
    EXPECT_EQ(identity->CreateUser(&context, create, &created).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    grpc::ClientContext list_context;
    list_context.AddMetadata("authorization", "Bearer " + secret);
    v1::ListUsersRequest list;
    list.set_tenant("acme");
    v1::ListUsersResponse listed_users;
    EXPECT_EQ(identity->ListUsers(&list_context, list, &listed_users).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  // audit-service reads a trail for the admin and a setup link only: the
  // tenant's own API key (its IdP's) is refused.
  {
    auto audit = v1::AuditService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
    v1::QueryRequest query;
    query.set_tenant("gamma");
    v1::QueryResponse out;
    grpc::ClientContext as_key;
    as_key.AddMetadata("authorization",
                       "Bearer " + json::parse(key->body)["secret"].get<std::string>());
    EXPECT_EQ(audit->Query(&as_key, query, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    grpc::ClientContext as_link;
    as_link.AddMetadata("authorization", "Bearer " + secret);
    EXPECT_TRUE(audit->Query(&as_link, query, &out).ok());
    query.clear_tenant();  // every tenant at once: the admin's alone
    grpc::ClientContext all;
    all.AddMetadata("authorization", "Bearer " + secret);
    EXPECT_EQ(audit->Query(&all, query, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  // Nothing else: no other tenant, no listing, no settings, no deletion, no
  // directory.
  ExpectError(Get("/admin/api/tenants/gamma/users"), 403);
  ExpectError(Get("/admin/api/tenants/gamma/summary"), 403);
  ExpectError(Get("/admin/api/tenants/acme/activity"), 403);
  ExpectError(PostJson("/admin/api/tenants/acme/test", json::object()), 403);
  ExpectError(Get("/admin/api/tenants"), 403);
  ExpectError(Get("/admin/api/tenants/acme"), 403);
  ExpectError(Get("/admin/api/tenants/acme/keys"), 403);
  ExpectError(PostJson("/admin/api/tenants/acme/keys", json::object()), 403);
  ExpectError(PostJson("/admin/api/tenants/gamma/disable", json::object()), 403);
  ExpectError(Delete("/admin/api/tenants/gamma?confirm=gamma"), 403);
  ExpectError(Get("/admin/api/tenants/gamma/setup-links"), 403);
  ExpectError(PostJson("/admin/api/tenants/gamma/clients", json::object()), 403);

  // token-service checks the link itself: straight over gRPC it reaches
  // gamma's keys and nothing else.
  auto stub = v1::TokenService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  auto as_link = [&] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->AddMetadata("authorization", "Bearer " + secret);
    return c;
  };
  v1::ListApiKeysRequest keys;
  keys.set_tenant("gamma");
  v1::ListApiKeysResponse listed_keys;
  EXPECT_TRUE(stub->ListApiKeys(as_link().get(), keys, &listed_keys).ok());
  keys.set_tenant("acme");
  EXPECT_EQ(stub->ListApiKeys(as_link().get(), keys, &listed_keys).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListTenantsResponse tenants;
  EXPECT_EQ(stub->ListTenants(as_link().get(), {}, &tenants).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Revoked by the admin: the open session stops working at once.
  const std::string link_cookie = cookie_, link_csrf = csrf_;
  cookie_ = admin_cookie;
  csrf_ = admin_csrf;
  ASSERT_EQ(Delete(absl::StrCat("/admin/api/tenants/gamma/setup-links/",
                                std::string(link["link"]["id"])))
                ->status,
            200);
  cookie_ = link_cookie;
  csrf_ = link_csrf;
  ExpectError(Get("/admin/api/tenants/gamma/keys"), 401);
  ExpectError(client_->Post("/admin/api/session", json{{"setupLink", secret}}.dump(),
                            "application/json"),
              401);
}

TEST_F(AdminApiTest, DirectoryActivityAndTestConnection) {
  ASSERT_EQ(SignIn("admin")->status, 200);
  // Data through SCIM, as an IdP writes it.
  auto ann = Post(users_, R"({"userName":"ann@example.com","displayName":"Ann"})");
  ASSERT_EQ(ann->status, 201) << ann->body;
  const std::string ann_id = json::parse(ann->body)["id"];
  ASSERT_EQ(Post(users_, R"({"userName":"bob@example.com"})")->status, 201);
  auto group = Post("/t/acme/scim/v2/Groups",
                    absl::StrCat(R"({"displayName":"Staff","members":[{"value":")", ann_id, R"("}]})"));
  ASSERT_EQ(group->status, 201) << group->body;
  const std::string group_id = json::parse(group->body)["id"];

  auto users = Get("/admin/api/tenants/acme/users?filter=userName%20sw%20%22ann%22");
  ASSERT_EQ(users->status, 200) << users->body;
  const json listed = json::parse(users->body);
  EXPECT_EQ(listed["totalResults"], 1);
  EXPECT_EQ(listed["Resources"][0]["userName"], "ann@example.com");
  ExpectError(Get("/admin/api/tenants/acme/users?filter=nope%20eq"), 400);
  auto one = Get("/admin/api/tenants/acme/users/" + ann_id);
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["displayName"], "Ann");
  auto staff = Get("/admin/api/tenants/acme/groups/" + group_id);
  ASSERT_EQ(staff->status, 200);
  EXPECT_FALSE(json::parse(staff->body).contains("members")) << staff->body;
  auto members = Get("/admin/api/tenants/acme/groups/" + group_id + "/members?count=10");
  ASSERT_EQ(members->status, 200) << members->body;
  EXPECT_EQ(json::parse(members->body)["Resources"][0]["userName"], "ann@example.com");
  // Read-only.
  ExpectError(PostJson("/admin/api/tenants/acme/users", json::object()), 405);

  // Activity: the writes, once shipped to the audit trail, and its chain.
  json events;
  for (int i = 0; i < 200; ++i) {
    events = json::parse(Get("/admin/api/tenants/acme/activity?operation=user.")->body)["events"];
    if (events.size() >= 2) break;
    absl::SleepFor(absl::Milliseconds(25));
  }
  ASSERT_GE(events.size(), 2u) << events.dump();
  EXPECT_EQ(events[0]["operation"], "user.create");
  EXPECT_FALSE(events[0].contains("hash"));
  ExpectError(Get("/admin/api/tenants/acme/activity?limit=0"), 400);
  auto verified = Get("/admin/api/tenants/acme/activity/verify");
  ASSERT_EQ(verified->status, 200) << verified->body;
  EXPECT_TRUE(json::parse(verified->body)["ok"].get<bool>()) << verified->body;

  // The tenants list's figures: counters and the newest audit event.
  auto summary = Get("/admin/api/tenants/acme/summary");
  ASSERT_EQ(summary->status, 200) << summary->body;
  const json figures = json::parse(summary->body);
  EXPECT_EQ(figures["users"], 2) << summary->body;
  EXPECT_EQ(figures["groups"], 1) << summary->body;
  EXPECT_FALSE(figures["lastActivity"]["operation"].get<std::string>().empty()) << summary->body;
  EXPECT_EQ(json::parse(Get("/admin/api/tenants/beta/summary")->body)["users"], 0);

  // Test connection: every step passes; a disabled tenant fails the first.
  auto test = PostJson("/admin/api/tenants/acme/test", json::object());
  ASSERT_EQ(test->status, 200) << test->body;
  const json report = json::parse(test->body);
  EXPECT_TRUE(report["ok"].get<bool>()) << test->body;
  ASSERT_EQ(report["steps"].size(), 4u) << test->body;
  EXPECT_EQ(report["steps"][2]["detail"], "2 users");
  ASSERT_EQ(PostJson("/admin/api/tenants/acme/disable", json::object())->status, 200);
  const json failed = json::parse(PostJson("/admin/api/tenants/acme/test", json::object())->body);
  EXPECT_FALSE(failed["ok"].get<bool>());
  EXPECT_NE(failed["steps"][0]["detail"].get<std::string>().find("disabled"), std::string::npos);
}

TEST_F(AdminApiTest, SignOutRevokesTheSessionAndUnknownRoutesAre404) {
  ASSERT_EQ(SignIn("admin")->status, 200);
  ExpectError(Get("/admin/api/nope"), 404);
  // A client's own path words never become metric labels (unbounded).
  ExpectError(Get("/admin/api/zz-label-9f1"), 404);
  EXPECT_EQ(client_->Get("/metrics")->body.find("zz-label-9f1"), std::string::npos);
  ExpectError(Delete("/admin/api/session", /*with_csrf=*/false), 403);
  EXPECT_EQ(Delete("/admin/api/session")->status, 204);
  ExpectError(Get("/admin/api/tenants"), 401);
  // A forged cookie is no session either.
  cookie_ = absl::StrCat(kSessionCookie, "=", std::string(64, 'a'));
  ExpectError(Get("/admin/api/tenants"), 401);
}

TEST_F(AdminApiTest, TheConsoleIsServedWithAStrictPolicy) {
  auto index = client_->Get("/admin/");
  ASSERT_TRUE(index);
  ASSERT_EQ(index->status, 200);
  EXPECT_TRUE(absl::StartsWith(index->get_header_value("Content-Type"), "text/html"));
  const std::string csp = index->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  // No inline script: every <script> has a src.
  EXPECT_EQ(index->body.find("<script>"), std::string::npos);
  EXPECT_NE(index->body.find("/admin/console.js"), std::string::npos);
  auto script = client_->Get("/admin/console.js");
  ASSERT_EQ(script->status, 200);
  EXPECT_TRUE(absl::StartsWith(script->get_header_value("Content-Type"), "text/javascript"));
  EXPECT_NE(script->body.find("Admin token"), std::string::npos);
  EXPECT_EQ(client_->Get("/admin/guides.js")->status, 200);
  EXPECT_EQ(client_->Get("/admin/console.css")->status, 200);
  auto bare = client_->Get("/admin");
  EXPECT_EQ(bare->status, 308);
  EXPECT_EQ(bare->get_header_value("Location"), "/admin/");
  ExpectError(client_->Get("/admin/../etc/passwd"), 404);
  ExpectError(client_->Get("/admin/nope.js"), 404);
  ExpectError(client_->Post("/admin/", "", "text/plain"), 405);
}

TEST(CookieValueTest, FindsTheNamedCookieOnly) {
  EXPECT_EQ(CookieValue("a=1; scim_console=xyz; b=2", "scim_console"), "xyz");
  EXPECT_EQ(CookieValue("scim_consolex=1", "scim_console"), "");
  EXPECT_EQ(CookieValue("", "scim_console"), "");
  EXPECT_EQ(CookieValue("scim_console", "scim_console"), "");
}

}  // namespace
}  // namespace scim::edge
