// The edge against the real services (in-memory stores) over an in-process
// gRPC server, driven over HTTP.
#include "edge/edge_server.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/etag_cache.h"
#include "common/metrics.h"
#include "common/redis_server_for_tests.h"
#include "audit-service/audit_component.h"
#include "common/server.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "identity-service/identity_component.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "identity-service/keys.h"
#include "nlohmann/json.hpp"
#include "token-service/token_component.h"

namespace scim::edge {
namespace {

using json = nlohmann::json;

class EdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    identity_ = std::make_unique<identity::IdentityComponent>(
        NewMemoryKvStore(identity::ColumnFamilies()), Runtime::Real());
    token_ = std::make_unique<token::TokenComponent>(
        NewMemoryKvStore(token::ColumnFamilies()), "admin", Runtime::Real());
    audit_ = std::make_unique<audit::AuditComponent>(
        NewMemoryKvStore(audit::ColumnFamilies()),
        *SigningKey::Generate(*RandomSource::Secure()), "admin", Runtime::Real());
    int port = 0;
    auto server = StartGrpcServer(
        "127.0.0.1:0",
        {identity_->service(), token_->service(), audit_->service()}, &port);
    ASSERT_TRUE(server.ok()) << server.status();
    grpc_ = std::move(*server);
    auto channel = grpc_->InProcessChannel(grpc::ChannelArguments());
    identity_->EnableAuthorization(v1::TokenService::NewStub(channel), "admin");
    identity_->StartShipping(v1::AuditService::NewStub(channel), "admin");
    auth_ = std::make_unique<token::Authenticator>(v1::TokenService::NewStub(channel),
                                            Clock::Real());
    EdgeOptions options;
    options.threads = 8;
    options.max_body_bytes = 64 * 1024;
    options.access_log = false;
    denials_ = std::make_unique<DenialRecorder>(
        audit::NewGrpcAuditSink(v1::AuditService::NewStub(channel), "admin"),
        Clock::Real(), RandomSource::Secure());
    limiter_ = std::make_unique<LocalRateLimiter>(Clock::Real());
    edge_ = std::make_unique<EdgeServer>(v1::IdentityService::NewStub(channel),
                                         auth_.get(), options, denials_.get(),
                                         limiter_.get());
    edge_->EnableOAuth(v1::TokenService::NewStub(channel));
    auto http_port = edge_->Start("127.0.0.1", 0);
    ASSERT_TRUE(http_port.ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *http_port);
    // Send paths as written: the tests choose their own escaping ('+').
    client_->set_url_encode(false);
    for (const char* t : {"acme", "beta"}) {
      ASSERT_TRUE(token_->store().CreateTenant(t).ok());
    }
    acme_key_ = token_->store().CreateApiKey("acme", "")->secret;
    beta_key_ = token_->store().CreateApiKey("beta", "")->secret;
  }

  void TearDown() override {
    edge_->Stop();
    denials_.reset();
    identity_->StopShipping();
    grpc_->Shutdown();
  }

  httplib::Headers Auth(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }

  // Every error answer is an RFC 7644 §3.12 body with a non-empty detail.
  json ExpectError(const httplib::Result& res, int status,
                   const std::string& scim_type = "") {
    EXPECT_TRUE(res) << "no response";
    if (!res) return json();
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/scim+json");
    json body = json::parse(res->body, nullptr, false);
    EXPECT_EQ(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error")
        << res->body;
    EXPECT_EQ(body["status"], std::to_string(status));
    EXPECT_FALSE(body.value("detail", "").empty());
    if (!scim_type.empty()) EXPECT_EQ(body.value("scimType", ""), scim_type);
    return body;
  }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& type = "application/scim+json") {
    return client_->Post(path.c_str(), Auth(acme_key_), body, type.c_str());
  }

  const std::string users_ = "/t/acme/scim/v2/Users";
  std::unique_ptr<identity::IdentityComponent> identity_;
  std::unique_ptr<token::TokenComponent> token_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<token::Authenticator> auth_;
  std::unique_ptr<DenialRecorder> denials_;
  std::unique_ptr<LocalRateLimiter> limiter_;
  std::unique_ptr<EdgeServer> edge_;
  std::unique_ptr<httplib::Client> client_;
  std::string acme_key_, beta_key_;
};

TEST_F(EdgeTest, UserLifecycle) {
  auto created = Post(users_, R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
      "userName":"bjensen","name":{"givenName":"Barbara"},"active":"True",
      "password":"secret"})");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("Content-Type"), "application/scim+json");
  EXPECT_EQ(created->get_header_value("ETag"), "W/\"1\"");
  json user = json::parse(created->body);
  const std::string id = user["id"];
  const std::string location = created->get_header_value("Location");
  EXPECT_TRUE(absl::EndsWith(location, "/t/acme/scim/v2/Users/" + id));
  EXPECT_TRUE(absl::StartsWith(location, "http://127.0.0.1:"));
  EXPECT_EQ(user["meta"]["location"], location);
  EXPECT_EQ(user["active"], true);
  EXPECT_FALSE(user.contains("password"));
  EXPECT_FALSE(created->get_header_value("X-Request-Id").empty());

  auto got = client_->Get((users_ + "/" + id).c_str(), Auth(acme_key_));
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json::parse(got->body)["userName"], "bjensen");
  EXPECT_EQ(got->get_header_value("ETag"), "W/\"1\"");

  auto found = client_->Get(
      (users_ + "?filter=userName+eq+%22BJENSEN%22").c_str(), Auth(acme_key_));
  ASSERT_EQ(found->status, 200);
  json list = json::parse(found->body);
  EXPECT_EQ(list["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:ListResponse");
  EXPECT_EQ(list["totalResults"], 1);
  EXPECT_EQ(list["Resources"][0]["id"], id);

  auto replaced = client_->Put((users_ + "/" + id).c_str(), Auth(acme_key_),
                               R"({"userName":"bjensen","title":"CEO"})",
                               "application/json");
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(json::parse(replaced->body)["title"], "CEO");
  EXPECT_FALSE(json::parse(replaced->body).contains("name"));
  EXPECT_EQ(replaced->get_header_value("ETag"), "W/\"2\"");

  httplib::Headers stale = Auth(acme_key_);
  stale.emplace("If-Match", "W/\"1\"");
  ExpectError(client_->Delete((users_ + "/" + id).c_str(), stale), 412);

  auto deleted = client_->Delete((users_ + "/" + id).c_str(), Auth(acme_key_));
  EXPECT_EQ(deleted->status, 204);
  EXPECT_TRUE(deleted->body.empty());
  ExpectError(client_->Get((users_ + "/" + id).c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Delete((users_ + "/" + id).c_str(), Auth(acme_key_)),
              404);
}

TEST_F(EdgeTest, ListIsAlwaysAListResponse) {
  auto empty = client_->Get((users_ + "/").c_str(), Auth(acme_key_));
  ASSERT_EQ(empty->status, 200);
  json list = json::parse(empty->body);
  EXPECT_EQ(list["totalResults"], 0);
  EXPECT_EQ(list["Resources"], json::array());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Post(users_, absl::StrCat(R"({"userName":"u)", i, R"("})"))->status,
              201);
  }
  auto page = client_->Get((users_ + "?startIndex=2&count=1").c_str(),
                           Auth(acme_key_));
  list = json::parse(page->body);
  EXPECT_EQ(list["totalResults"], 3);
  EXPECT_EQ(list["startIndex"], 2);
  EXPECT_EQ(list["itemsPerPage"], 1);
  EXPECT_EQ(list["Resources"][0]["userName"], "u1");
  ExpectError(client_->Get((users_ + "?count=ten").c_str(), Auth(acme_key_)),
              400, "invalidValue");
  ExpectError(client_->Get((users_ + "?filter=userName+xx+%22x%22").c_str(),
                           Auth(acme_key_)),
              400, "invalidFilter");
}

TEST_F(EdgeTest, FilterSortPageProjectAndSearch) {
  for (const char* name : {"carol", "alice", "bob", "dave"}) {
    ASSERT_EQ(Post(users_, absl::StrCat(R"({"userName":")", name,
                                        R"(","title":"T","emails":[{"value":")", name,
                                        R"(@x.example","type":"work"}]})"))
                  ->status,
              201);
  }
  auto sorted = client_->Get(
      (users_ + "?filter=emails%5Btype+eq+%22work%22%5D+and+not+(userName+eq+%22dave%22)"
                "&sortBy=userName&sortOrder=descending&attributes=userName")
          .c_str(),
      Auth(acme_key_));
  ASSERT_EQ(sorted->status, 200) << sorted->body;
  json list = json::parse(sorted->body);
  EXPECT_EQ(list["totalResults"], 3);
  EXPECT_EQ(list["Resources"][0]["userName"], "carol");
  EXPECT_EQ(list["Resources"][2]["userName"], "alice");
  EXPECT_FALSE(list["Resources"][0].contains("title"));
  EXPECT_TRUE(list["Resources"][0].contains("id"));

  // RFC 9865: an empty cursor asks for cursor paging.
  auto first = client_->Get((users_ + "?cursor&count=3&sortBy=userName").c_str(),
                            Auth(acme_key_));
  ASSERT_EQ(first->status, 200) << first->body;
  list = json::parse(first->body);
  EXPECT_EQ(list["itemsPerPage"], 3);
  EXPECT_FALSE(list.contains("startIndex"));
  ASSERT_TRUE(list.contains("nextCursor"));
  auto second = client_->Get(
      (users_ + "?count=3&sortBy=userName&cursor=" + list["nextCursor"].get<std::string>())
          .c_str(),
      Auth(acme_key_));
  json next = json::parse(second->body);
  EXPECT_EQ(next["Resources"].size(), 1u);
  EXPECT_EQ(next["Resources"][0]["userName"], "dave");
  EXPECT_FALSE(next.contains("nextCursor"));
  EXPECT_TRUE(next.contains("previousCursor"));
  ExpectError(client_->Get((users_ + "?count=3&cursor=bogus").c_str(), Auth(acme_key_)),
              400, "invalidCursor");

  // POST .search, per type and at the root.
  for (const std::string path : {users_ + "/.search", std::string("/t/acme/scim/v2/.search")}) {
    auto found = Post(path, R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                "filter":"userName sw \"b\" or userName sw \"c\"",
                                "attributes":["userName"],"sortBy":"userName","count":10})");
    ASSERT_EQ(found->status, 200) << found->body;
    list = json::parse(found->body);
    EXPECT_EQ(list["totalResults"], 2);
    EXPECT_EQ(list["Resources"][0]["userName"], "bob");
  }
  ExpectError(Post(users_ + "/.search", R"({"filter": 5})"), 400, "invalidValue");
  ExpectError(Post(users_ + "/.search", R"({"filter":"userName eq"})"), 400,
              "invalidFilter");
  ExpectError(client_->Get((users_ + "/.search").c_str(), Auth(acme_key_)), 405);

  // Projection on single-resource reads and writes.
  json bob = json::parse(Post(users_ + "?excludedAttributes=emails,title",
                              R"({"userName":"eve","title":"T","emails":[{"value":"e@x"}]})")
                             ->body);
  EXPECT_FALSE(bob.contains("emails"));
  EXPECT_FALSE(bob.contains("title"));
  auto got = client_->Get((users_ + "/" + bob["id"].get<std::string>() +
                           "?attributes=emails.value").c_str(),
                          Auth(acme_key_));
  EXPECT_EQ(json::parse(got->body)["emails"], json::parse(R"([{"value":"e@x"}])"));
}

TEST_F(EdgeTest, UnknownAttributesIgnoredUnlessTheTenantIsStrict) {
  auto lenient = Post(users_, R"({"userName":"u1","favouriteColour":"teal",
                                  "emails":[{"value":"u1@x","type":"pager"}]})");
  ASSERT_EQ(lenient->status, 201) << lenient->body;
  EXPECT_FALSE(json::parse(lenient->body).contains("favouriteColour"));

  v1::UpdateTenantSettingsRequest strict;
  strict.set_id("beta");
  strict.set_unknown_attributes("reject");
  ASSERT_TRUE(token_->store().UpdateTenantSettings(strict, {}).ok());
  auto post_beta = [&](const std::string& body) {
    return client_->Post("/t/beta/scim/v2/Users", Auth(beta_key_), body,
                         "application/scim+json");
  };
  json err = ExpectError(post_beta(R"({"userName":"u1","favouriteColour":"teal"})"),
                         400, "invalidSyntax");
  EXPECT_NE(err["detail"].get<std::string>().find("favouriteColour"), std::string::npos);
  err = ExpectError(post_beta(R"({"userName":"u1","emails":[{"value":"u1@x","type":"pager"}]})"),
                    400, "invalidValue");
  EXPECT_NE(err["detail"].get<std::string>().find("emails[0].type"), std::string::npos);
  EXPECT_EQ(post_beta(R"({"userName":"u1","emails":[{"value":"u1@x","type":"Work"}]})")->status,
            201);
}

TEST_F(EdgeTest, DiscoveryEndpoints) {
  const std::string base = "/t/acme/scim/v2";
  auto spc = client_->Get((base + "/ServiceProviderConfig").c_str(), Auth(acme_key_));
  ASSERT_EQ(spc->status, 200);
  json config = json::parse(spc->body);
  EXPECT_EQ(config["filter"]["maxResults"], 200);
  EXPECT_EQ(config["pagination"]["cursor"], true);
  EXPECT_EQ(config["pagination"]["maxPageSize"], 200);
  EXPECT_EQ(config["sort"]["supported"], true);
  EXPECT_EQ(config["bulk"]["maxPayloadSize"], 65536);  // the --max_body_bytes in force
  EXPECT_EQ(config["bulk"]["supported"], true);
  EXPECT_EQ(config["bulk"]["maxOperations"], 1000);
  EXPECT_EQ(config["authenticationSchemes"].size(), 2u);
  EXPECT_TRUE(absl::EndsWith(config["meta"]["location"].get<std::string>(),
                             "/t/acme/scim/v2/ServiceProviderConfig"));
  json types = json::parse(client_->Get((base + "/ResourceTypes").c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(types["totalResults"], 2);
  EXPECT_EQ(types["Resources"][0]["endpoint"], "/Users");
  EXPECT_EQ(types["Resources"][0]["schemaExtensions"][0]["schema"],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  json user_type = json::parse(client_->Get((base + "/ResourceTypes/User").c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(user_type["schema"], "urn:ietf:params:scim:schemas:core:2.0:User");
  json schemas = json::parse(client_->Get((base + "/Schemas").c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(schemas["totalResults"], 3);
  auto user_schema = client_->Get(
      (base + "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").c_str(), Auth(acme_key_));
  ASSERT_EQ(user_schema->status, 200);
  json us = json::parse(user_schema->body);
  EXPECT_EQ(us["attributes"][0]["name"], "userName");
  EXPECT_EQ(us["attributes"][0]["uniqueness"], "server");
  EXPECT_TRUE(absl::EndsWith(us["meta"]["location"].get<std::string>(),
                             "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"));
  ExpectError(client_->Get((base + "/Schemas/urn:nope").c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Get((base + "/ResourceTypes/Nope").c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Get((base + "/Schemas").c_str()), 401);
}

TEST_F(EdgeTest, AuthenticationFailures) {
  auto none = client_->Get(users_.c_str());
  ExpectError(none, 401);
  EXPECT_FALSE(none->get_header_value("WWW-Authenticate").empty());
  ExpectError(client_->Get(users_.c_str(), {{"Authorization", "non-token"}}),
              401);
  ExpectError(client_->Get(users_.c_str(), Auth("scim_nope")), 401);
  ExpectError(client_->Get(users_.c_str(), {{"Authorization", "Basic abc"}}),
              401);
}

TEST_F(EdgeTest, OneTenantsKeyNeverReachesAnother) {
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

TEST_F(EdgeTest, BadInputIsA4xxWithAScimBody) {
  ExpectError(Post(users_, "{\"userName\":"), 400, "invalidSyntax");
  ExpectError(Post(users_, "[1,2]"), 400, "invalidSyntax");
  ExpectError(Post(users_, "{}"), 400, "invalidValue");
  ExpectError(Post(users_, R"({"userName":"  "})"), 400, "invalidValue");
  ExpectError(Post(users_, R"({"userName":42})"), 400, "invalidValue");
  ExpectError(Post(users_, R"({"userName":"x","emails":"a@b"})"), 400,
              "invalidValue");
  ExpectError(Post(users_, R"({"userName":"x"})", "text/plain"), 415);
  ExpectError(Post(users_, "userName=x", "application/x-www-form-urlencoded"),
              415);
  ASSERT_EQ(Post(users_, R"({"userName":"Dup"})", "application/json")->status,
            201);
  ExpectError(Post(users_, R"({"userName":"dUP"})"), 409, "uniqueness");
  ExpectError(Post(users_, std::string(100 * 1024, ' ')), 413);
  // Nothing above wrote anything but the one user.
  json list = json::parse(client_->Get(users_.c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(list["totalResults"], 1);
}

TEST_F(EdgeTest, RoutingErrors) {
  ExpectError(client_->Get("/nope"), 404);
  ExpectError(client_->Get("/t/acme/scim/v2/Nope", Auth(acme_key_)), 404);
  ExpectError(client_->Get("/t/ACME!/scim/v2/Users", Auth(acme_key_)), 404);
  auto put = client_->Put(users_.c_str(), Auth(acme_key_), "{}",
                          "application/json");
  ExpectError(put, 405);
  EXPECT_EQ(put->get_header_value("Allow"), "GET, POST");
  ExpectError(client_->Post((users_ + "/x").c_str(), Auth(acme_key_), "{}",
                            "application/json"),
              405);
  ExpectError(client_->Get("/t/acme/scim/v2/Me", Auth(acme_key_)), 501);
  ExpectError(client_->Patch((users_ + "/x").c_str(), Auth(acme_key_), "{}",
                             "application/json"),
              400, "invalidSyntax");
  ExpectError(client_->Post("/t/acme/scim/v2/Bulk", Auth(acme_key_),
                            "{}", "application/json"),
              400, "invalidSyntax");
  ExpectError(client_->Get("/t/acme/scim/v2/Bulk", Auth(acme_key_)), 405);
}

TEST_F(EdgeTest, GroupsPatchAndEtags) {
  auto make_user = [&](const std::string& name) {
    auto res = Post(users_, absl::StrCat(R"({"userName":")", name, R"(","active":true})"));
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body)["id"].get<std::string>();
  };
  const std::string alice = make_user("alice"), bob = make_user("bob");
  const std::string groups = "/t/acme/scim/v2/Groups";
  auto created = Post(groups, absl::StrCat(R"({"displayName":"Eng","members":[{"value":")",
                                           alice, R"("}]})"));
  ASSERT_EQ(created->status, 201) << created->body;
  json group = json::parse(created->body);
  const std::string gid = group["id"];
  EXPECT_TRUE(absl::EndsWith(created->get_header_value("Location"),
                             absl::StrCat(groups, "/", gid)));
  EXPECT_EQ(group["members"][0]["value"], alice);
  EXPECT_EQ(group["members"][0]["display"], "alice");
  EXPECT_TRUE(absl::StartsWith(group["members"][0]["$ref"].get<std::string>(), "http://"));
  ExpectError(Post(groups, R"({"displayName":"ENG"})"), 409, "uniqueness");
  json unknown = ExpectError(Post(groups, R"({"displayName":"X","members":[{"value":"nope"}]})"),
                             400, "invalidValue");
  EXPECT_NE(unknown["detail"].get<std::string>().find("nope"), std::string::npos);

  // Okta reads groups without members, and users with their groups.
  json lean = json::parse(client_->Get((groups + "?excludedAttributes=members").c_str(),
                                       Auth(acme_key_))->body);
  EXPECT_EQ(lean["totalResults"], 1);
  EXPECT_FALSE(lean["Resources"][0].contains("members"));
  json a = json::parse(client_->Get((users_ + "/" + alice).c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(a["groups"][0]["value"], gid);
  EXPECT_EQ(a["groups"][0]["display"], "Eng");

  // Entra: capitalised ops, string booleans, member removal by value list.
  auto patch = [&](const std::string& path, const std::string& ops,
                   httplib::Headers headers = {}) {
    headers.emplace("Authorization", "Bearer " + acme_key_);
    return client_->Patch(path.c_str(), headers,
                          absl::StrCat(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)",
                                       ops, "}"),
                          "application/json");
  };
  auto added = patch(groups + "/" + gid,
                     absl::StrCat(R"([{"op":"Add","path":"members","value":[{"value":")", bob,
                                  R"("}]}])"));
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(json::parse(added->body)["members"].size(), 2u);
  EXPECT_EQ(added->get_header_value("ETag"), "W/\"2\"");
  auto removed = patch(groups + "/" + gid + "?excludedAttributes=members",
                       absl::StrCat(R"([{"op":"Remove","path":"members","value":[{"value":")",
                                    alice, R"("}]}])"));
  ASSERT_EQ(removed->status, 200) << removed->body;
  EXPECT_FALSE(json::parse(removed->body).contains("members"));
  json g = json::parse(client_->Get((groups + "/" + gid).c_str(), Auth(acme_key_))->body);
  ASSERT_EQ(g["members"].size(), 1u);
  EXPECT_EQ(g["members"][0]["value"], bob);
  // Okta's deactivation.
  auto deactivated = patch(users_ + "/" + bob, R"([{"op":"replace","value":{"active":"False"}}])");
  ASSERT_EQ(deactivated->status, 200) << deactivated->body;
  EXPECT_EQ(json::parse(deactivated->body)["active"], false);
  ExpectError(patch(users_ + "/" + bob, R"([{"op":"replace","path":"id","value":"x"}])"), 400,
              "mutability");
  ExpectError(patch(users_ + "/" + bob, R"([{"op":"jump","path":"title","value":"x"}])"), 400,
              "invalidSyntax");
  ExpectError(patch(users_ + "/" + bob, R"([{"op":"remove"}])"), 400, "noTarget");
  ExpectError(patch(users_ + "/" + bob, R"([{"op":"replace","path":"title","value":"x"}])",
                    {{"If-Match", "W/\"1\""}}),
              412);
  ExpectError(client_->Patch((users_ + "/" + bob).c_str(), Auth(acme_key_),
                             R"({"schemas":["urn:wrong"],"Operations":[]})", "application/json"),
              400, "invalidSyntax");
  ExpectError(client_->Patch((users_ + "/" + bob).c_str(), Auth(acme_key_),
                             R"({"Operations":[42]})", "application/json"),
              400, "invalidSyntax");
  ExpectError(patch(users_ + "/nope", R"([{"op":"replace","path":"title","value":"x"}])"), 404);

  // ETags: every resource answer has one; If-None-Match answers 304.
  auto current = client_->Get((users_ + "/" + bob).c_str(), Auth(acme_key_));
  const std::string etag = current->get_header_value("ETag");
  EXPECT_EQ(etag, "W/\"2\"");
  httplib::Headers conditional = Auth(acme_key_);
  conditional.emplace("If-None-Match", etag);
  auto not_modified = client_->Get((users_ + "/" + bob).c_str(), conditional);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_TRUE(not_modified->body.empty());
  EXPECT_EQ(not_modified->get_header_value("ETag"), etag);
  conditional = Auth(acme_key_);
  conditional.emplace("If-None-Match", "W/\"1\"");
  EXPECT_EQ(client_->Get((users_ + "/" + bob).c_str(), conditional)->status, 200);

  // Delete: 204, then 404 everywhere; the edges go with it.
  EXPECT_EQ(client_->Delete((groups + "/" + gid).c_str(), Auth(acme_key_))->status, 204);
  ExpectError(client_->Get((groups + "/" + gid).c_str(), Auth(acme_key_)), 404);
  ExpectError(patch(groups + "/" + gid, R"([{"op":"remove","path":"members"}])"), 404);
  ExpectError(client_->Delete((groups + "/" + gid).c_str(), Auth(acme_key_)), 404);
  json b = json::parse(client_->Get((users_ + "/" + bob).c_str(), Auth(acme_key_))->body);
  EXPECT_FALSE(b.contains("groups"));
  // Another tenant sees none of it.
  EXPECT_EQ(json::parse(client_->Get("/t/beta/scim/v2/Groups", Auth(beta_key_))->body)["totalResults"], 0);
}

TEST_F(EdgeTest, HealthAndRequestIds) {
  auto health = client_->Get("/healthz");
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  auto res = client_->Get(users_.c_str(), {{"Authorization", "Bearer " + acme_key_},
                                           {"X-Request-Id", "trace-123"}});
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "trace-123");
  auto metrics = client_->Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  for (const char* series : {
           "scim_audit_outbox_depth{outbox=\"identity\"}",
           "scim_http_requests_total{method=\"GET\",route=\"/t/{tenant}/scim/v2/Users\",status=\"200\"}",
           "scim_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\"",
           "scim_grpc_server_handled_total{code=\"0\",method=\"/scim.v1.IdentityService/ListUsers\"}",
           "scim_grpc_server_handling_seconds_count{method=\"/scim.v1.TokenService/VerifyApiKey\"}"}) {
    EXPECT_NE(metrics->body.find(series), std::string::npos)
        << series << "\n" << metrics->body;
  }
  edge_->SetReady(false);
  ExpectError(client_->Get("/readyz"), 503);
  edge_->SetReady(true);
  // A dependency that cannot be reached makes the edge unready.
  edge_->AddDependency("nowhere", grpc::CreateChannel(
                                      "127.0.0.1:1",
                                      grpc::InsecureChannelCredentials()));
  json body = ExpectError(client_->Get("/readyz"), 503);
  EXPECT_NE(body.value("detail", "").find("nowhere"), std::string::npos);
}

TEST_F(EdgeTest, MutationsReachTheAuditLog) {
  ASSERT_EQ(Post(users_, R"({"userName":"audited"})")->status, 201);
  for (int i = 0; i < 100; ++i) {
    if (!audit_->store().Tail("acme", 10)->empty()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  auto events = audit_->store().Tail("acme", 10);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].operation(), "user.create");
  EXPECT_EQ((*events)[0].client_address(), "127.0.0.1");
  EXPECT_FALSE((*events)[0].actor().empty());
}

TEST_F(EdgeTest, RefusedRequestsAreAudited) {
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

TEST_F(EdgeTest, TenantRateLimitsAnswer429WithRetryAfter) {
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
TEST_F(EdgeTest, IdentityServiceRefusesOtherTenantsCredentials) {
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

TEST_F(EdgeTest, OAuthClientCredentialsIssueJwtsVerifiedLocally) {
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

TEST_F(EdgeTest, Bulk) {
  const std::string bulk = "/t/acme/scim/v2/Bulk";
  auto res = Post(bulk, R"({
    "schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    "failOnErrors":5,
    "Operations":[
      {"method":"POST","path":"/Groups","bulkId":"g",
       "data":{"displayName":"Guides","members":[{"value":"bulkId:u"}]}},
      {"method":"POST","path":"/Users","bulkId":"u",
       "data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann"}},
      {"method":"POST","path":"/Users","bulkId":"dup","data":{"userName":"ANN"}},
      {"method":"PATCH","path":"/Users/bulkId:u","data":{
        "schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"Replace","value":{"active":"False"}}]}}]})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/scim+json");
  json body = json::parse(res->body);
  EXPECT_EQ(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:BulkResponse");
  json& ops = body["Operations"];
  ASSERT_EQ(ops.size(), 4u) << res->body;
  EXPECT_EQ(ops[0]["status"], "201");
  EXPECT_EQ(ops[0]["bulkId"], "g");
  EXPECT_EQ(ops[0]["version"], "W/\"1\"");
  EXPECT_TRUE(absl::StartsWith(ops[0]["location"].get<std::string>(),
                               "http://127.0.0.1:"));
  EXPECT_EQ(ops[0]["location"], ops[0]["response"]["meta"]["location"]);
  EXPECT_EQ(ops[1]["status"], "201");
  const std::string user = ops[1]["response"]["id"];
  EXPECT_EQ(ops[0]["response"]["members"][0]["value"], user);
  EXPECT_TRUE(absl::StartsWith(
      ops[0]["response"]["members"][0]["$ref"].get<std::string>(), "http://"));
  EXPECT_EQ(ops[2]["status"], "409");
  EXPECT_EQ(ops[2]["response"]["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error");
  EXPECT_EQ(ops[2]["response"]["scimType"], "uniqueness");
  EXPECT_EQ(ops[2]["response"]["status"], "409");
  EXPECT_EQ(ops[3]["status"], "200");
  EXPECT_EQ(ops[3]["response"]["active"], false);
  auto got = client_->Get((users_ + "/" + user).c_str(), Auth(acme_key_));
  EXPECT_EQ(json::parse(got->body)["active"], false);

  // Projection parameters apply to the operations' responses.
  res = Post(bulk + "?excludedAttributes=members",
             R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                 "Operations":[{"method":"POST","path":"/Groups","bulkId":"h",
                   "data":{"displayName":"H","members":[{"value":")" + user + R"("}]}}]})");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(json::parse(res->body)["Operations"][0]["response"].contains("members"));

  // Malformed requests are refused whole, with nothing written.
  ExpectError(Post(bulk, "[1]"), 400, "invalidSyntax");
  ExpectError(Post(bulk, R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                             "Operations":[]})"),
              400, "invalidSyntax");
  ExpectError(Post(bulk, R"({"Operations":[{"method":"POST","path":"/Users",
                             "data":{"userName":"x"}}],"failOnErrors":-1})"),
              400, "invalidValue");
  ExpectError(Post(bulk, R"({"Operations":[{"method":7,"path":"/Users"}]})"), 400,
              "invalidSyntax");
  ExpectError(Post(bulk, R"({"Operations":["POST /Users"]})"), 400, "invalidSyntax");
  ExpectError(Post(bulk, R"({"Operations":[)"), 400, "invalidSyntax");
  // Over maxOperations, and over maxPayloadSize: 413 with a SCIM body.
  std::string many = R"({"Operations":[)";
  for (int i = 0; i <= 1000; ++i) {
    absl::StrAppend(&many, i ? "," : "", R"({"method":"DELETE","path":"/Users/x"})");
  }
  many += "]}";
  ASSERT_LT(many.size(), 64u * 1024);
  json err = ExpectError(Post(bulk, many), 413, "tooLarge");
  EXPECT_NE(err["detail"].get<std::string>().find("1000"), std::string::npos);
  ExpectError(Post(bulk, std::string(70 * 1024, ' ')), 413, "tooLarge");
  auto list = client_->Get((users_ + "?filter=userName+eq+%22x%22").c_str(),
                           Auth(acme_key_));
  EXPECT_EQ(json::parse(list->body)["totalResults"], 0);
}

TEST_F(EdgeTest, SoftDeleteKeepsATombstoneForGrpcCallers) {
  v1::UpdateTenantSettingsRequest settings;
  settings.set_id("acme");
  settings.set_delete_mode("soft");
  ASSERT_TRUE(token_->store().UpdateTenantSettings(settings).ok());
  auto created = Post(users_, R"({"userName":"gina","title":"Owner","active":true})");
  ASSERT_EQ(created->status, 201);
  const std::string id = json::parse(created->body)["id"];
  const std::string path = users_ + "/" + id;
  EXPECT_EQ(client_->Delete(path.c_str(), Auth(acme_key_))->status, 204);
  // SCIM sees a delete.
  ExpectError(client_->Get(path.c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Delete(path.c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Patch(path.c_str(), Auth(acme_key_),
                             R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                 "Operations":[{"op":"replace","path":"title","value":"x"}]})",
                             "application/scim+json"),
              404);
  auto list = client_->Get(users_.c_str(), Auth(acme_key_));
  EXPECT_EQ(json::parse(list->body)["totalResults"], 0);

  // Internal callers still read the deactivated tombstone, with their tenant's key.
  auto stub = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  auto ctx = [](const std::string& key) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->AddMetadata("authorization", "Bearer " + key);
    return c;
  };
  v1::GetUserRequest get;
  get.set_tenant("acme");
  get.set_id(id);
  v1::DeletedUser deleted;
  grpc::Status s = stub->GetDeletedUser(ctx(acme_key_).get(), get, &deleted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(deleted.user().user_name(), "gina");
  EXPECT_EQ(deleted.user().title(), "Owner");
  EXPECT_FALSE(deleted.user().active());
  EXPECT_GT(deleted.purge_after().seconds(), deleted.deleted().seconds());
  v1::ListDeletedUsersRequest list_deleted;
  list_deleted.set_tenant("acme");
  v1::ListDeletedUsersResponse listed;
  ASSERT_TRUE(stub->ListDeletedUsers(ctx(acme_key_).get(), list_deleted, &listed).ok());
  ASSERT_EQ(listed.users_size(), 1);
  EXPECT_EQ(listed.users(0).user().id(), id);
  get.set_tenant("beta");
  EXPECT_EQ(stub->GetDeletedUser(ctx(acme_key_).get(), get, &deleted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Its userName is free; a new user takes it.
  auto again = Post(users_, R"({"userName":"gina"})");
  ASSERT_EQ(again->status, 201) << again->body;
  const std::string other = json::parse(again->body)["id"];
  EXPECT_EQ(client_->Delete((users_ + "/" + other).c_str(), Auth(acme_key_))->status, 204);
  // Okta-style reactivation brings the first one back, data and all.
  auto revived = client_->Patch(
      path.c_str(), Auth(acme_key_),
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations":[{"op":"replace","value":{"active":true}}]})",
      "application/scim+json");
  ASSERT_EQ(revived->status, 200) << revived->body;
  EXPECT_EQ(json::parse(revived->body)["title"], "Owner");
  auto got = client_->Get(path.c_str(), Auth(acme_key_));
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json::parse(got->body)["active"], true);
  get.set_tenant("acme");
  EXPECT_EQ(stub->GetDeletedUser(ctx(acme_key_).get(), get, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(EdgeTest, HardDeleteIsTheDefault) {
  auto created = Post(users_, R"({"userName":"hank"})");
  const std::string id = json::parse(created->body)["id"];
  EXPECT_EQ(client_->Delete((users_ + "/" + id).c_str(), Auth(acme_key_))->status, 204);
  auto stub = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer admin");
  v1::GetUserRequest get;
  get.set_tenant("acme");
  get.set_id(id);
  v1::DeletedUser deleted;
  EXPECT_EQ(stub->GetDeletedUser(&ctx, get, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// The sum of a Prometheus counter's series whose labels contain `label`.
double CounterSum(const std::string& name, const std::string& label) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(MetricsText(), '\n')) {
    if (!absl::StartsWith(line, name + "{") || !absl::StrContains(line, label)) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

TEST_F(EdgeTest, EtagCacheInRedisAnswers304WithoutIdentityService) {
  ASSERT_TRUE(RedisServerForTests::Installed())
      << "redis-server is missing: ./scripts/test.sh installs it";
  const int port = FreePort();
  RedisServerForTests redis(port);
  auto client = RedisClient::Create(absl::StrCat("redis://127.0.0.1:", port), Clock::Real());
  ASSERT_TRUE(client.ok());
  EtagCache cache(std::move(*client), Clock::Real());
  identity_->store().set_etag_cache(&cache);
  edge_->EnableEtagCache(&cache);

  auto created = Post(users_, R"({"userName":"ivy"})");
  const std::string id = json::parse(created->body)["id"];
  const std::string path = users_ + "/" + id;
  auto get = [&](const std::string& etag) {
    httplib::Headers h = Auth(acme_key_);
    h.emplace("If-None-Match", etag);
    return client_->Get(path.c_str(), h);
  };
  auto identity_gets = [] {
    return CounterSum("scim_grpc_server_handled_total", "IdentityService/GetUser\"");
  };
  const double gets = identity_gets();
  const double hits = CounterSum("scim_etag_cache_total", "hit");
  auto res = get("W/\"1\"");
  EXPECT_EQ(res->status, 304);
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"1\"");
  EXPECT_EQ(identity_gets(), gets) << "answered from Redis";
  EXPECT_EQ(CounterSum("scim_etag_cache_total", "hit"), hits + 1);

  // A write through the edge updates the entry before it is acknowledged.
  auto patch = [&](const std::string& title) {
    return client_->Patch(
        path.c_str(), Auth(acme_key_),
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"replace","path":"title","value":")" + title + R"("}]})",
        "application/scim+json");
  };
  ASSERT_EQ(patch("a")->status, 200);
  res = get("W/\"1\"");
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"2\"");
  EXPECT_EQ(get("W/\"2\"")->status, 304);

  // So does a write by an internal gRPC caller that never passes the edge.
  auto stub = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + acme_key_);
  v1::PatchRequest request;
  request.set_tenant("acme");
  request.set_id(id);
  v1::PatchOperation* op = request.add_operations();
  op->set_op("replace");
  op->set_path("title");
  op->mutable_value()->set_string_value("b");
  v1::User patched;
  ASSERT_TRUE(stub->PatchUser(&ctx, request, &patched).ok());
  EXPECT_EQ(get("W/\"2\"")->status, 200) << "never a stale 304";
  EXPECT_EQ(get("W/\"3\"")->status, 304);

  // Deleted: 404, not 304.
  ASSERT_EQ(client_->Delete(path.c_str(), Auth(acme_key_))->status, 204);
  ExpectError(get("W/\"3\""), 404);

  // Redis gone: conditional GETs still work, answered by identity-service.
  auto other = Post(users_, R"({"userName":"jay"})");
  const std::string other_path = users_ + "/" + json::parse(other->body)["id"].get<std::string>();
  redis.Stop();
  httplib::Headers h = Auth(acme_key_);
  h.emplace("If-None-Match", "W/\"1\"");
  EXPECT_EQ(client_->Get(other_path.c_str(), h)->status, 304);
  ASSERT_EQ(client_->Patch(other_path.c_str(), Auth(acme_key_),
                           R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                               "Operations":[{"op":"add","path":"title","value":"x"}]})",
                           "application/scim+json")->status,
            200);
  EXPECT_EQ(client_->Get(other_path.c_str(), h)->status, 200);
  identity_->store().set_etag_cache(nullptr);
  edge_->EnableEtagCache(nullptr);
}

}  // namespace
}  // namespace scim::edge
