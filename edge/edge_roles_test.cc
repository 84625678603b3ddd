// roles and entitlements through the edge, as Lumos, Okta and Entra send
// them: create, replace, get, filter (GET and /.search), PATCH by value,
// projection, and the refusals of malformed ones.
#include "edge/edge_test_fixture.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

constexpr char kPatchOp[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

// The userNames a filtered list answers (the filter already URL-encoded).
std::set<std::string> UserNames(httplib::Client& client, const std::string& url,
                                const httplib::Headers& auth) {
  auto res = client.Get(url.c_str(), auth);
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, 200) << url << ": " << res->body;
  std::set<std::string> names;
  const json body = json::parse(res->body);
  for (const auto& r : body.value("Resources", json::array())) {
    names.insert(r["userName"].get<std::string>());
  }
  EXPECT_EQ(body["totalResults"], names.size()) << res->body;
  return names;
}

TEST_F(EdgeTest, RolesAndEntitlementsEndToEnd) {
  // Create with every sub-attribute; the answer and a GET show them all.
  auto created = Post(users_, R"({"userName":"ann","roles":[
      {"value":"admin","display":"Administrator","type":"app","primary":true},
      {"value":"viewer"}],
    "entitlements":[{"value":"x","display":"Feature X","type":"feature"}]})");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string ann = json::parse(created->body)["id"];
  const json want_roles = json::parse(R"([
      {"value":"admin","display":"Administrator","type":"app","primary":true},
      {"value":"viewer"}])");
  EXPECT_EQ(json::parse(created->body)["roles"], want_roles);
  json got = json::parse(client_->Get((users_ + "/" + ann).c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(got["roles"], want_roles);
  EXPECT_EQ(got["entitlements"][0]["type"], "feature");
  ASSERT_EQ(Post(users_, R"({"userName":"bob","roles":[{"value":"viewer"}],
                            "entitlements":[{"value":"y"}]})")->status, 201);
  ASSERT_EQ(Post(users_, R"({"userName":"cat"})")->status, 201);

  // Filters, by GET and by POST /.search.
  const auto auth = Auth(acme_key_);
  EXPECT_EQ(UserNames(*client_, users_ + "?filter=roles%5Bvalue+eq+%22admin%22%5D", auth),
            (std::set<std::string>{"ann"}));
  EXPECT_EQ(UserNames(*client_, users_ + "?filter=roles%5Bvalue+eq+%22VIEWER%22%5D", auth),
            (std::set<std::string>{"ann", "bob"}));
  EXPECT_EQ(UserNames(*client_, users_ + "?filter=entitlements.value+eq+%22x%22", auth),
            (std::set<std::string>{"ann"}));
  EXPECT_EQ(UserNames(*client_, users_ + "?filter=not+(roles+pr)", auth),
            (std::set<std::string>{"cat"}));
  EXPECT_EQ(UserNames(*client_,
                      users_ + "?filter=roles%5Bvalue+eq+%22viewer%22+and+primary+eq+true%5D",
                      auth),
            std::set<std::string>{});
  auto searched = client_->Post((users_ + "/.search").c_str(), auth,
                                R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                    "filter":"roles[value eq \"admin\"] or entitlements.value eq \"y\"",
                                    "attributes":["roles.value"]})",
                                "application/scim+json");
  ASSERT_EQ(searched->status, 200) << searched->body;
  json found = json::parse(searched->body);
  EXPECT_EQ(found["totalResults"], 2);
  for (const auto& r : found["Resources"]) {
    EXPECT_FALSE(r.contains("userName")) << r;
    EXPECT_FALSE(r.contains("entitlements")) << r;
    EXPECT_FALSE(r["roles"][0].contains("display")) << r;
  }
  ExpectError(client_->Get((users_ + "?filter=roles%5Bbogus+eq+%22x%22%5D").c_str(), auth),
              400, "invalidFilter");

  // Projection on a GET.
  json projected = json::parse(
      client_->Get((users_ + "/" + ann + "?attributes=entitlements").c_str(), auth)->body);
  EXPECT_FALSE(projected.contains("roles")) << projected;
  EXPECT_EQ(projected["entitlements"][0]["value"], "x");
  projected = json::parse(
      client_->Get((users_ + "/" + ann + "?excludedAttributes=roles").c_str(), auth)->body);
  EXPECT_FALSE(projected.contains("roles")) << projected;
  EXPECT_EQ(projected["userName"], "ann");

  // PATCH: remove by value filter, add a list, replace, remove by value list.
  auto patch = [&](const std::string& ops) {
    return client_->Patch((users_ + "/" + ann).c_str(), auth,
                          absl::StrCat(R"({"schemas":[")", kPatchOp, R"("],"Operations":)",
                                       ops, "}"),
                          "application/scim+json");
  };
  auto removed = patch(R"([{"op":"remove","path":"roles[value eq \"admin\"]"}])");
  ASSERT_EQ(removed->status, 200) << removed->body;
  EXPECT_EQ(json::parse(removed->body)["roles"], json::parse(R"([{"value":"viewer"}])"));
  EXPECT_EQ(UserNames(*client_, users_ + "?filter=roles%5Bvalue+eq+%22admin%22%5D", auth),
            std::set<std::string>{});
  auto added = patch(R"([{"op":"Add","path":"roles","value":[{"value":"auditor","primary":"True"},
                                                             {"value":"viewer","display":"Viewer"}]}])");
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(json::parse(added->body)["roles"], json::parse(R"([
      {"value":"viewer","display":"Viewer"},{"value":"auditor","primary":true}])"));
  auto replaced = patch(R"([{"op":"replace","path":"entitlements","value":[{"value":"z"}]}])");
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(json::parse(replaced->body)["entitlements"], json::parse(R"([{"value":"z"}])"));
  auto by_list = patch(R"([{"op":"remove","path":"roles","value":[{"value":"viewer"}]},
                           {"op":"remove","path":"entitlements[value eq \"z\"]"}])");
  ASSERT_EQ(by_list->status, 200) << by_list->body;
  json after = json::parse(by_list->body);
  EXPECT_EQ(after["roles"], json::parse(R"([{"value":"auditor","primary":true}])"));
  EXPECT_FALSE(after.contains("entitlements")) << after;
  ExpectError(patch(R"([{"op":"remove","path":"roles[value eq \"root\"]"}])"), 400,
              "noTarget");
  ExpectError(patch(R"([{"op":"add","path":"roles","value":"admin"}])"), 400,
              "invalidValue");
  // A failed PATCH changed nothing.
  got = json::parse(client_->Get((users_ + "/" + ann).c_str(), auth)->body);
  EXPECT_EQ(got["roles"], after["roles"]);

  // PUT replaces them whole; omitted = cleared.
  auto put = client_->Put((users_ + "/" + ann).c_str(), auth,
                          R"({"userName":"ann","roles":[{"value":"owner","type":"app"}]})",
                          "application/scim+json");
  ASSERT_EQ(put->status, 200) << put->body;
  got = json::parse(client_->Get((users_ + "/" + ann).c_str(), auth)->body);
  EXPECT_EQ(got["roles"], json::parse(R"([{"value":"owner","type":"app"}])"));
  EXPECT_FALSE(got.contains("entitlements")) << got;

  // Malformed values are refused, and two primaries too.
  for (const char* body : {R"({"userName":"dan","roles":"admin"})",
                           R"({"userName":"dan","roles":[{"value":1}]})",
                           R"({"userName":"dan","entitlements":[{"value":"a","primary":true},
                                                                {"value":"b","primary":true}]})"}) {
    ExpectError(Post(users_, body), 400, "invalidValue");
  }

  // Tenant isolation: beta's filter sees none of acme's roles.
  EXPECT_EQ(UserNames(*client_,
                      "/t/beta/scim/v2/Users?filter=roles%5Bvalue+eq+%22owner%22%5D",
                      Auth(beta_key_)),
            std::set<std::string>{});
}

}  // namespace
}  // namespace scim::edge
