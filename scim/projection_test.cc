#include "scim/projection.h"
#include "scim/core_registry_for_tests.h"

#include "gtest/gtest.h"
#include "scim/json_codec.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

v1::User Full() {
  v1::User u;
  u.add_schemas("urn:ietf:params:scim:schemas:core:2.0:User");
  u.set_id("1");
  u.set_user_name("bjensen");
  u.set_password("hash");
  u.mutable_name()->set_given_name("Barbara");
  u.mutable_name()->set_family_name("Jensen");
  u.set_title("Guide");
  auto* e = u.add_emails();
  e->set_value("b@example.com");
  e->set_type("work");
  u.mutable_enterprise_user()->set_department("Tours");
  u.mutable_enterprise_user()->set_division("North");
  u.mutable_meta()->set_version("W/\"1\"");
  return u;
}

std::string Project(std::vector<std::string> attrs, std::vector<std::string> excluded) {
  v1::User u = Full();
  Projection(*CoreRegistryForTests().FindResourceType("User"), attrs, excluded)
      .Apply(&u);
  return EncodeResource(u).dump();
}

TEST(ProjectionTest, DefaultDropsOnlyNeverReturned) {
  Json out = Json::parse(Project({}, {}));
  EXPECT_FALSE(out.contains("password"));
  EXPECT_TRUE(out.contains("title"));
  EXPECT_TRUE(out.contains("meta"));
}

TEST(ProjectionTest, AttributesKeepsAlwaysReturnedAndAskedFor) {
  EXPECT_EQ(Project({"userName"}, {}),
            R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"bjensen"})");
  EXPECT_EQ(Project({"name.givenName", "EMAILS.value"}, {}),
            R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","name":{"givenName":"Barbara"},"emails":[{"value":"b@example.com"}]})");
  EXPECT_EQ(Project({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}, {}),
            R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tours"}})");
  // Asking for password does not return it.
  EXPECT_EQ(Project({"password", "id"}, {}),
            R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1"})");
}

TEST(ProjectionTest, ExcludedAttributesDropAllButAlwaysReturned) {
  Json out = Json::parse(Project({}, {"emails", "name.familyName", "id", "meta",
                                      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}));
  EXPECT_FALSE(out.contains("emails"));
  EXPECT_FALSE(out.contains("meta"));
  EXPECT_FALSE(out.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  EXPECT_EQ(out["name"].dump(), R"({"givenName":"Barbara"})");
  EXPECT_EQ(out["id"], "1");  // returned "always"
  EXPECT_EQ(out["userName"], "bjensen");
}

TEST(ProjectionTest, UnknownNamesAreIgnored) {
  Json out = Json::parse(Project({"nosuch"}, {"alsoNot"}));
  EXPECT_TRUE(out.contains("title"));
}

TEST(ProjectionTest, ReturnsTellsWhetherAnAttributeCanBeInTheResult) {
  const ResourceTypeSchema& group = *CoreRegistryForTests().FindResourceType("Group");
  const auto* members = v1::Group::descriptor()->FindFieldByName("members");
  EXPECT_TRUE(Projection(group, {}, {}).Returns(members));
  EXPECT_FALSE(Projection(group, {}, {"members"}).Returns(members));
  EXPECT_FALSE(Projection(group, {"displayName"}, {}).Returns(members));
  EXPECT_TRUE(Projection(group, {"members.value"}, {}).Returns(members));
  EXPECT_TRUE(Projection(group, {}, {"members.display"}).Returns(members));
}

}  // namespace
}  // namespace scim
