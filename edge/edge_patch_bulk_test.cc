// PATCH (groups, members, Entra and Okta dialects, ETags) and POST /Bulk
// through the edge.
#include "edge/edge_test_fixture.h"

#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

TEST_P(EdgeResourceTest, GroupsPatchAndEtags) {
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
  // A group PATCH asking for nothing answers 204 (no members read back);
  // asked for attributes, it answers 200 with them.
  ASSERT_EQ(added->status, 204) << added->body;
  EXPECT_TRUE(added->body.empty());
  EXPECT_EQ(added->get_header_value("ETag"), "W/\"2\"");
  auto projected = patch(groups + "/" + gid + "?attributes=members",
                         absl::StrCat(R"([{"op":"add","path":"members","value":[{"value":")",
                                      bob, R"("}]}])"));
  ASSERT_EQ(projected->status, 200) << projected->body;
  EXPECT_EQ(json::parse(projected->body)["members"].size(), 2u);
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

// RFC 7644 §3.5.2.1: a PATCH adding what is already there (Entra re-sends
// memberships and roles) changes neither the ETag nor meta.lastModified, so
// a client's cached copy stays valid (If-None-Match still answers 304).
TEST_P(EdgeResourceTest, NoOpPatchKeepsTheEtag) {
  auto user = Post(users_, R"({"userName":"carol","emails":[{"value":"carol@example.com"}]})");
  ASSERT_EQ(user->status, 201) << user->body;
  const std::string uid = json::parse(user->body)["id"];
  const std::string groups = "/t/acme/scim/v2/Groups";
  auto group = Post(groups, absl::StrCat(R"({"displayName":"Ops","members":[{"value":")",
                                         uid, R"("}]})"));
  ASSERT_EQ(group->status, 201) << group->body;
  const std::string gid = json::parse(group->body)["id"];
  auto patch = [&](const std::string& path, const std::string& ops) {
    return client_->Patch(
        path.c_str(), Auth(acme_key_),
        absl::StrCat(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)",
                     ops, "}"),
        "application/scim+json");
  };
  for (const auto& [path, ops, before] :
       {std::tuple<std::string, std::string, httplib::Result*>{
            // Asking for attributes: a group PATCH then answers 200 with them.
            groups + "/" + gid + "?excludedAttributes=members",
            absl::StrCat(R"([{"op":"add","path":"members","value":[{"value":")", uid, R"("}]}])"),
            &group},
        {users_ + "/" + uid,
         R"([{"op":"add","path":"emails","value":[{"value":"carol@example.com"}]}])", &user}}) {
    SCOPED_TRACE(path);
    const std::string etag = (*before)->get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    auto same = patch(path, ops);
    ASSERT_EQ(same->status, 200) << same->body;
    EXPECT_EQ(same->get_header_value("ETag"), etag);
    EXPECT_EQ(json::parse(same->body)["meta"]["lastModified"],
              json::parse((*before)->body)["meta"]["lastModified"]);
    httplib::Headers conditional = Auth(acme_key_);
    conditional.emplace("If-None-Match", etag);
    EXPECT_EQ(client_->Get(path.c_str(), conditional)->status, 304);
  }
}

TEST_P(EdgeResourceTest, Bulk) {
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

}  // namespace
}  // namespace scim::edge
