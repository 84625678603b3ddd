// A tenant's own extension schema through the edge, as Entra ID uses one:
// it creates users with the extension object, PATCHes
// "urn:...:CustomExtensionName:2.0:User:costCenter" with and without a path,
// filters on it; discovery shows the schema to that tenant only, and
// another tenant neither stores nor sees such attributes.
#include "edge/edge_test_fixture.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

constexpr char kUrn[] = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";
constexpr char kPatchOp[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

class EdgeCustomSchemaTest : public EdgeTest {
 protected:
  void SetUp() override {
    EdgeTest::SetUp();
    auto put = identity_->schemas().Put("acme", absl::StrCat(R"({"id":")", kUrn, R"(",
        "name":"CustomExtension","resourceType":"User","attributes":[
        {"name":"costCenter","type":"string"},
        {"name":"badgeNumber","type":"integer"},
        {"name":"pin","type":"string","mutability":"writeOnly","returned":"never"}]})"),
                                        {"admin", "127.0.0.1", "req"});
    ASSERT_TRUE(put.ok()) << put.status();
  }

  json Get(const std::string& path, const std::string& key) {
    auto res = client_->Get(path.c_str(), Auth(key));
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }

  json Patch(const std::string& id, const std::string& operations) {
    auto res = client_->Patch(
        (users_ + "/" + id).c_str(), Auth(acme_key_),
        absl::StrCat(R"({"schemas":[")", kPatchOp, R"("],"Operations":)", operations, "}"),
        "application/scim+json");
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body, nullptr, false);
  }

  // The userNames of a filter (written plainly; spaces and quotes encoded).
  std::vector<std::string> Filtered(const std::string& filter) {
    std::string encoded = absl::StrReplaceAll(filter, {{" ", "%20"}, {"\"", "%22"}});
    const json body = Get(absl::StrCat(users_, "?filter=", encoded), acme_key_);
    std::vector<std::string> names;
    for (const auto& r : body.value("Resources", json::array())) {
      names.push_back(r["userName"]);
    }
    return names;
  }
};

// Entra's create, as its provisioning service sends it.
std::string EntraCreate(const std::string& user_name, const std::string& cost_center) {
  return absl::StrCat(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",")", kUrn, R"("],
      "externalId":"ext-)", user_name, R"(","userName":")", user_name, R"(","active":true,
      "emails":[{"primary":true,"type":"work","value":")", user_name, R"(@example.com"}],
      "meta":{"resourceType":"User"},"name":{"familyName":"F","givenName":"G"},"roles":[],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"},
      ")", kUrn, R"(":{"costCenter":")", cost_center, R"(","badgeNumber":7}})");
}

TEST_F(EdgeCustomSchemaTest, EntraCreatesPatchesAndFiltersACustomAttribute) {
  auto created = Post(users_, EntraCreate("ann", "42"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const json ann = json::parse(created->body);
  EXPECT_EQ(ann[kUrn]["costCenter"], "42") << created->body;
  EXPECT_EQ(ann[kUrn]["badgeNumber"], 7);
  EXPECT_NE(std::find(ann["schemas"].begin(), ann["schemas"].end(), kUrn), ann["schemas"].end())
      << created->body;
  EXPECT_EQ(ann["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "R&D");
  const std::string id = ann["id"];
  ASSERT_EQ(Post(users_, EntraCreate("bob", "7"))->status, 201);

  // PATCH with a path naming the attribute by its full URN.
  json patched = Patch(id, absl::StrCat(R"([{"op":"Add","path":")", kUrn,
                                        R"(:costCenter","value":"43"}])"));
  EXPECT_EQ(patched[kUrn]["costCenter"], "43") << patched.dump();
  // And without a path: the value keyed "urn:...:User:costCenter".
  patched = Patch(id, absl::StrCat(R"([{"op":"Replace","value":{")", kUrn,
                                   R"(:costCenter":"44"}}])"));
  EXPECT_EQ(patched[kUrn]["costCenter"], "44") << patched.dump();
  EXPECT_EQ(Get(users_ + "/" + id, acme_key_)[kUrn]["costCenter"], "44");

  EXPECT_EQ(Filtered(absl::StrCat(kUrn, ":costCenter eq \"44\"")),
            std::vector<std::string>{"ann"});
  EXPECT_EQ(Filtered(absl::StrCat(kUrn, ":costCenter eq \"7\"")),
            std::vector<std::string>{"bob"});
  // Projection by the attribute's URN path.
  const json projected =
      Get(absl::StrCat(users_, "/", id, "?attributes=", kUrn, ":badgeNumber"), acme_key_);
  EXPECT_EQ(projected[kUrn], json::parse(R"({"badgeNumber":7})")) << projected.dump();
  EXPECT_FALSE(projected.contains("userName"));
}

TEST_F(EdgeCustomSchemaTest, TheTopLevelAttributeKeyFormIsAcceptedInABody) {
  auto created = Post(users_, absl::StrCat(R"({"userName":"cy",")", kUrn,
                                           R"(:costCenter":"9"})"));
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(json::parse(created->body)[kUrn]["costCenter"], "9");
}

TEST_F(EdgeCustomSchemaTest, ACustomValueOfTheWrongTypeIsA400NamingIt) {
  auto res = Post(users_, absl::StrCat(R"({"userName":"dee",")", kUrn,
                                       R"(":{"badgeNumber":"seven"}})"));
  const json error = ExpectError(res, 400, "invalidValue");
  EXPECT_NE(error.value("detail", "").find("badgeNumber"), std::string::npos) << error.dump();
}

TEST_F(EdgeCustomSchemaTest, DiscoveryShowsTheTenantItsOwnSchemasOnly) {
  const json schemas = Get("/t/acme/scim/v2/Schemas", acme_key_);
  std::vector<std::string> ids;
  for (const auto& s : schemas["Resources"]) ids.push_back(s["id"]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), kUrn), ids.end()) << schemas.dump();
  const json doc = Get(absl::StrCat("/t/acme/scim/v2/Schemas/", kUrn), acme_key_);
  EXPECT_EQ(doc["attributes"][0]["name"], "costCenter") << doc.dump();
  const json user_type = Get("/t/acme/scim/v2/ResourceTypes/User", acme_key_);
  bool listed = false;
  for (const auto& e : user_type["schemaExtensions"]) listed |= e["schema"] == kUrn;
  EXPECT_TRUE(listed) << user_type.dump();

  // Tenant beta: no such schema, in discovery or in data.
  const json beta_schemas = Get("/t/beta/scim/v2/Schemas", beta_key_);
  ASSERT_FALSE(beta_schemas["Resources"].empty());
  for (const auto& s : beta_schemas["Resources"]) EXPECT_NE(s["id"], kUrn);
  auto missing = client_->Get(absl::StrCat("/t/beta/scim/v2/Schemas/", kUrn).c_str(),
                              Auth(beta_key_));
  ExpectError(missing, 404);
  auto created = client_->Post("/t/beta/scim/v2/Users", Auth(beta_key_), EntraCreate("eve", "1"),
                               "application/scim+json");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_FALSE(json::parse(created->body).contains(kUrn)) << created->body;
  // And beta's key cannot read acme's schemas.
  auto denied = client_->Get(absl::StrCat("/t/acme/scim/v2/Schemas/", kUrn).c_str(),
                             Auth(beta_key_));
  EXPECT_EQ(denied->status, 401) << denied->body;
}

TEST_F(EdgeCustomSchemaTest, ADeletedUserKeepsItsCustomAttributesForInternalCallers) {
  v1::UpdateTenantSettingsRequest settings;
  settings.set_id("acme");
  settings.set_delete_mode("soft");
  ASSERT_TRUE(token_->store().UpdateTenantSettings(settings).ok());
  auto created = Post(users_, absl::StrCat(R"({"userName":"gus",")", kUrn,
                                           R"(":{"costCenter":"42","pin":"9999"}})"));
  ASSERT_EQ(created->status, 201) << created->body;
  const json body = json::parse(created->body);
  EXPECT_FALSE(body[kUrn].contains("pin")) << created->body;
  const std::string id = body["id"];
  ASSERT_EQ(client_->Delete((users_ + "/" + id).c_str(), Auth(acme_key_))->status, 204);

  auto stub = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + acme_key_);
  v1::GetUserRequest get;
  get.set_tenant("acme");
  get.set_id(id);
  v1::DeletedUser deleted;
  ASSERT_TRUE(stub->GetDeletedUser(&context, get, &deleted).ok());
  // Over gRPC custom values come in the extensions map, by URN.
  ASSERT_EQ(deleted.user().extensions().count(kUrn), 1u) << deleted.DebugString();
  const auto& fields = deleted.user().extensions().at(kUrn).fields();
  EXPECT_EQ(fields.at("costCenter").string_value(), "42");
  EXPECT_EQ(fields.count("pin"), 0u) << "a writeOnly value (its hash) came out";
  EXPECT_TRUE(deleted.user().password().empty());
}

}  // namespace
}  // namespace scim::edge
