// Admission and OAuth through the edge: bearer authentication, tenant
// isolation, rate limits, the audit of refusals, client credentials and JWKS.
#include "edge/edge_test_fixture.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/random.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

TEST_P(EdgeResourceTest, AuthenticationFailures) {
  auto none = client_->Get(users_.c_str());
  ExpectError(none, 401);
  EXPECT_FALSE(none->get_header_value("WWW-Authenticate").empty());
  ExpectError(client_->Get(users_.c_str(), {{"Authorization", "non-token"}}),
              401);
  ExpectError(client_->Get(users_.c_str(), Auth("scim_nope")), 401);
  ExpectError(client_->Get(users_.c_str(), {{"Authorization", "Basic abc"}}),
              401);
}

// Unauthenticated JWTs with JSON of the wrong types used to throw inside the
// verifier and come back as 500.
TEST_P(EdgeResourceTest, HostileJwtsAre401NotServerErrors) {
  const std::string claims = Base64UrlEncode(
      R"({"iss":"scim-token-service","aud":"scim","sub":1,"tenant":["acme"],)"
      R"("iat":"now","nbf":1e400,"exp":18446744073709551615})");
  for (const std::string header :
       {R"({"alg":1,"kid":"k"})", R"({"alg":"EdDSA","kid":{"k":1}})",
        R"({"alg":null,"kid":[]})", R"(["EdDSA"])", R"("EdDSA")", "{"}) {
    SCOPED_TRACE(header);
    const std::string token =
        absl::StrCat(Base64UrlEncode(header), ".", claims, ".AAAA");
    ExpectError(client_->Get(users_.c_str(), Auth(token)), 401);
  }
  ExpectError(client_->Get(users_.c_str(), Auth("a..b")), 401);
}

TEST_P(EdgeResourceTest, OneTenantsKeyNeverReachesAnother) {
  auto created = Post(users_, R"({"userName":"secret-user"})");
  ASSERT_EQ(created->status, 201);
  const std::string id = json::parse(created->body)["id"];
  const std::string beta_users = "/t/beta/scim/v2/Users";
  // acme's user through beta's URL with beta's key: not there.
  ExpectError(client_->Get((beta_users + "/" + id).c_str(), Auth(beta_key_)),
              404);
  // beta's key on acme's URL: rejected before any data is read.
  for (const std::string& path : {users_, users_ + "/" + id}) {
    json body = ExpectError(client_->Get(path.c_str(), Auth(beta_key_)), 401);
    EXPECT_EQ(body.dump().find("secret-user"), std::string::npos);
  }
  ExpectError(client_->Delete((users_ + "/" + id).c_str(), Auth(beta_key_)),
              401);
  ExpectError(client_->Put((users_ + "/" + id).c_str(), Auth(beta_key_),
                           R"({"userName":"hijacked"})", "application/json"),
              401);
  ExpectError(client_->Post(users_.c_str(), Auth(beta_key_),
                            R"({"userName":"x"})", "application/json"),
              401);
  EXPECT_EQ(client_->Get((users_ + "/" + id).c_str(), Auth(acme_key_))->status,
            200);
}

TEST_P(EdgeResourceTest, RefusedRequestsAreAudited) {
  ASSERT_EQ(client_->Get(users_.c_str())->status, 401);
  ASSERT_EQ(client_->Get(users_.c_str(), Auth(beta_key_))->status, 401);
  std::vector<v1::AuditEvent> denied;
  for (int i = 0; i < 100 && denied.size() < 2; ++i) {
    v1::QueryRequest q;
    q.set_tenant("acme");
    q.set_operation("request.denied");
    auto page = audit_->store().Query(q);
    ASSERT_TRUE(page.ok());
    denied.assign(page->events().begin(), page->events().end());
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(denied.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(denied[0].outcome(), "denied: 401"));
  EXPECT_EQ(denied[0].client_address(), "127.0.0.1");
  // The foreign key is named (by id, never by secret).
  const std::string beta_id = beta_key_.substr(5, 16);
  EXPECT_EQ(denied[1].actor(), beta_id);
  EXPECT_EQ(denied[1].SerializeAsString().find(beta_key_.substr(22)),
            std::string::npos);
  EXPECT_TRUE(audit_->store().Verify("acme")->ok());
}

TEST_P(EdgeResourceTest, TenantRateLimitsAnswer429WithRetryAfter) {
  // Unlimited by default: no rate-limit headers.
  EXPECT_EQ(client_->Get(users_.c_str(), Auth(acme_key_))
                ->get_header_value("X-RateLimit-Limit"),
            "");
  v1::UpdateTenantSettingsRequest limits;
  limits.set_id("acme");
  limits.set_rate_limit(1);
  limits.set_rate_burst(2);
  ASSERT_TRUE(token_->store().UpdateTenantSettings(limits).ok());
  auto fresh = token_->store().CreateApiKey("acme", "");  // not in the cache
  const auto auth = Auth(fresh->secret);
  auto first = client_->Get(users_.c_str(), auth);
  ASSERT_EQ(first->status, 200);
  EXPECT_EQ(first->get_header_value("X-RateLimit-Limit"), "1");
  EXPECT_EQ(first->get_header_value("X-RateLimit-Remaining"), "1");
  EXPECT_FALSE(first->get_header_value("X-RateLimit-Reset").empty());
  ASSERT_EQ(client_->Get(users_.c_str(), auth)->status, 200);
  auto limited = client_->Get(users_.c_str(), auth);
  ExpectError(limited, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  EXPECT_EQ(limited->get_header_value("X-RateLimit-Remaining"), "0");
  // beta is not affected.
  EXPECT_EQ(client_->Get("/t/beta/scim/v2/Users", Auth(beta_key_))->status, 200);
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_EQ(client_->Get(users_.c_str(), auth)->status, 200);
  // The refusal is on acme's audit record.
  bool recorded = false;
  for (int i = 0; i < 100 && !recorded; ++i) {
    v1::QueryRequest q;
    q.set_tenant("acme");
    q.set_operation("request.denied");
    auto page = audit_->store().Query(q);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->events()) {
      recorded |= absl::StartsWith(e.outcome(), "denied: 429");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(recorded);
}

// Tenant isolation in depth: identity-service itself refuses a credential of
// another tenant, whoever calls it (here: directly over gRPC, no edge).
TEST_P(EdgeResourceTest, IdentityServiceRefusesOtherTenantsCredentials) {
  auto channel = grpc_->InProcessChannel(grpc::ChannelArguments());
  auto stub = v1::IdentityService::NewStub(channel);
  // A user of beta to aim at.
  auto created = client_->Post("/t/beta/scim/v2/Users", Auth(beta_key_),
                               R"({"userName":"beta-user"})", "application/json");
  ASSERT_EQ(created->status, 201);
  const std::string id = json::parse(created->body)["id"];

  // Every verb, as a function of the credential presented.
  auto call_all = [&](const std::string& bearer) {
    std::vector<grpc::StatusCode> codes;
    auto ctx = [&] {
      auto c = std::make_unique<grpc::ClientContext>();
      if (!bearer.empty()) c->AddMetadata("authorization", "Bearer " + bearer);
      return c;
    };
    v1::User user;
    google::protobuf::Empty empty;
    v1::GetUserRequest get;
    get.set_tenant("beta");
    get.set_id(id);
    codes.push_back(stub->GetUser(ctx().get(), get, &user).error_code());
    v1::ListUsersRequest list;
    list.set_tenant("beta");
    v1::ListUsersResponse listed;
    codes.push_back(stub->ListUsers(ctx().get(), list, &listed).error_code());
    v1::ReplaceUserRequest replace;
    replace.set_tenant("beta");
    replace.set_id(id);
    replace.mutable_user()->set_user_name("beta-user");
    codes.push_back(stub->ReplaceUser(ctx().get(), replace, &user).error_code());
    v1::CreateUserRequest create;
    create.set_tenant("beta");
    create.mutable_user()->set_user_name("intruder-" + bearer.substr(0, 8));
    codes.push_back(stub->CreateUser(ctx().get(), create, &user).error_code());
    v1::DeleteUserRequest del;
    del.set_tenant("beta");
    del.set_id(id);
    codes.push_back(stub->DeleteUser(ctx().get(), del, &empty).error_code());
    v1::ListDeletedUsersRequest deleted;
    deleted.set_tenant("beta");
    v1::ListDeletedUsersResponse deleted_users;
    codes.push_back(
        stub->ListDeletedUsers(ctx().get(), deleted, &deleted_users).error_code());
    v1::BulkRequest bulk;
    bulk.set_tenant("beta");
    v1::BulkOperation* op = bulk.add_operations();
    op->set_method("POST");
    op->set_path("/Users");
    (*op->mutable_data()->mutable_struct_value()->mutable_fields())["userName"]
        .set_string_value("bulk-" + bearer.substr(0, 8));
    v1::BulkResponse bulk_response;
    codes.push_back(stub->Bulk(ctx().get(), bulk, &bulk_response).error_code());
    return codes;
  };
  using C = grpc::StatusCode;
  EXPECT_EQ(call_all(acme_key_), std::vector<C>(7, C::PERMISSION_DENIED));
  EXPECT_EQ(call_all(""), std::vector<C>(7, C::UNAUTHENTICATED));
  EXPECT_EQ(call_all("scim_0000000000000000_forged"),
            std::vector<C>(7, C::UNAUTHENTICATED));
  // Nothing of beta changed: the user is still there, alone.
  auto still = client_->Get("/t/beta/scim/v2/Users", Auth(beta_key_));
  EXPECT_EQ(json::parse(still->body)["totalResults"], 1);
  // The admin token and beta's own key may.
  EXPECT_EQ(call_all("admin"), std::vector<C>(7, C::OK));
}

TEST_P(EdgeResourceTest, OAuthClientCredentialsIssueJwtsVerifiedLocally) {
  auto client = token_->oauth().CreateClient("acme", {});
  ASSERT_TRUE(client.ok());
  const std::string id = client->client.id(), secret = client->secret;
  const std::string basic =
      "Basic " + absl::Base64Escape(absl::StrCat(id, ":", secret));
  auto issued = client_->Post("/oauth/token", {{"Authorization", basic}},
                              "grant_type=client_credentials",
                              "application/x-www-form-urlencoded");
  ASSERT_EQ(issued->status, 200) << issued->body;
  EXPECT_EQ(issued->get_header_value("Cache-Control"), "no-store");
  json body = json::parse(issued->body);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 900);
  const std::string jwt = body["access_token"];

  // The JWT works on its tenant (edge and identity-service verify it from
  // the JWKS), not on another.
  auto created = client_->Post(users_.c_str(), Auth(jwt), R"({"userName":"via-jwt"})",
                               "application/scim+json");
  ASSERT_EQ(created->status, 201) << created->body;
  ExpectError(client_->Get("/t/beta/scim/v2/Users", Auth(jwt)), 401);
  std::string tampered = jwt;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ExpectError(client_->Get(users_.c_str(), Auth(tampered)), 401);

  // Body credentials work too; errors follow RFC 6749.
  auto via_body = client_->Post(
      "/oauth/token",
      absl::StrCat("grant_type=client_credentials&client_id=", id,
                   "&client_secret=", secret),
      "application/x-www-form-urlencoded");
  EXPECT_EQ(via_body->status, 200) << via_body->body;
  auto wrong = client_->Post(
      "/oauth/token",
      absl::StrCat("grant_type=client_credentials&client_id=", id,
                   "&client_secret=nope"),
      "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(json::parse(wrong->body)["error"], "invalid_client");
  auto grant = client_->Post("/oauth/token", {{"Authorization", basic}},
                             "grant_type=password", "application/x-www-form-urlencoded");
  EXPECT_EQ(grant->status, 400);
  EXPECT_EQ(json::parse(grant->body)["error"], "unsupported_grant_type");
  auto as_json = client_->Post("/oauth/token", {{"Authorization", basic}},
                               R"({"grant_type":"client_credentials"})",
                               "application/json");
  EXPECT_EQ(as_json->status, 400);

  auto jwks = client_->Get("/.well-known/jwks.json");
  ASSERT_EQ(jwks->status, 200);
  json keys = json::parse(jwks->body)["keys"];
  ASSERT_GE(keys.size(), 1u);
  EXPECT_EQ(keys[0]["kty"], "OKP");
  EXPECT_EQ(keys[0]["crv"], "Ed25519");
  EXPECT_FALSE(keys[0]["kid"].get<std::string>().empty());

  // A revoked client gets no new token.
  ASSERT_TRUE(token_->oauth().RevokeClient("acme", id, {}).ok());
  EXPECT_EQ(client_->Post("/oauth/token", {{"Authorization", basic}},
                          "grant_type=client_credentials",
                          "application/x-www-form-urlencoded")->status,
            401);
}

TEST(DenialRecorderTest, BoundedWhileAuditIsAway) {
  class DownSink : public audit::AuditSink {
   public:
    absl::Status Append(const std::vector<v1::AuditEvent>&) override {
      return absl::UnavailableError("down");
    }
  };
  DenialRecorder recorder(std::make_unique<DownSink>(), Clock::Real(),
                          RandomSource::Secure(), /*max_pending=*/5);
  for (int i = 0; i < 8; ++i) recorder.Record("acme", 401, "x", {});
  EXPECT_EQ(recorder.pending(), 5u);
  EXPECT_EQ(recorder.dropped(), 3u);
}

}  // namespace
}  // namespace scim::edge
