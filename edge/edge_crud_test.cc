// CRUD, list, search and projection of Users through the edge, bad input,
// soft and hard delete, and the audit record of mutations.
#include "edge/edge_test_fixture.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

TEST_P(EdgeResourceTest, UserLifecycle) {
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

TEST_P(EdgeResourceTest, ListIsAlwaysAListResponse) {
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

TEST_P(EdgeResourceTest, FilterSortPageProjectAndSearch) {
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
  // A filtered cursor page without sortBy stops once full: its total would
  // cost a pass over every match, so it is left out (RFC 9865 §2.2).
  auto streamed = client_->Get(
      (users_ + "?cursor&count=1&filter=userName+ne+%22zed%22").c_str(), Auth(acme_key_));
  ASSERT_EQ(streamed->status, 200) << streamed->body;
  list = json::parse(streamed->body);
  EXPECT_FALSE(list.contains("totalResults")) << streamed->body;
  EXPECT_EQ(list["Resources"].size(), 1u);
  EXPECT_TRUE(list.contains("nextCursor"));

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

TEST_P(EdgeResourceTest, UnknownAttributesIgnoredUnlessTheTenantIsStrict) {
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

TEST_P(EdgeResourceTest, BadInputIsA4xxWithAScimBody) {
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
  // Hostile JSON (ParseJsonBounded): a number no double holds and nesting
  // beyond 64 levels are 400s naming the problem, never a 500.
  json err = ExpectError(Post(users_, R"({"userName":"x","nickName":1e400})"), 400,
                         "invalidValue");
  EXPECT_NE(err["detail"].get<std::string>().find("out of range"), std::string::npos);
  ExpectError(Post(users_,
                   R"({"userName":"x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":-1e999}})"),
              400, "invalidValue");
  err = ExpectError(Post(users_, absl::StrCat(R"({"userName":"x","a":)", std::string(70, '['),
                                              std::string(70, ']'), "}")),
                    400, "invalidValue");
  EXPECT_NE(err["detail"].get<std::string>().find("64 levels"), std::string::npos);
  ExpectError(Post(users_, std::string(50 * 1024, '[')), 400, "invalidValue");
  // Filters follow RFC 7644's grammar: an unquoted string is no value.
  ExpectError(client_->Get((users_ + "?filter=userName%20eq%20bjensen").c_str(),
                           Auth(acme_key_)),
              400, "invalidFilter");
  // Nothing above wrote anything but the one user.
  json list = json::parse(client_->Get(users_.c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(list["totalResults"], 1);
}

TEST_P(EdgeResourceTest, MutationsReachTheAuditLog) {
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

TEST_P(EdgeResourceTest, SoftDeleteKeepsATombstoneForGrpcCallers) {
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

TEST_P(EdgeResourceTest, HardDeleteIsTheDefault) {
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

INSTANTIATE_TEST_SUITE_P(IdentityCalls, EdgeResourceTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Direct" : "Grpc";
                         });

}  // namespace
}  // namespace scim::edge
