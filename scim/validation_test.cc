// CheckImmutable (RFC 7644 §3.5.1): over a test schema that declares
// immutable attributes on the User message (the core schemas only have
// immutable sub-attributes of Group members).
#include "scim/validation.h"
#include "scim/core_registry_for_tests.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "scim/json_codec.h"
#include "scim/limits.h"
#include "scim/schema.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

const std::vector<AttributeSchema>& TestAttributes() {
  static const auto* attrs = new std::vector<AttributeSchema>(ParseAttributes(
      Json::parse(R"([
        {"name":"userName","type":"string","mutability":"immutable"},
        {"name":"title","type":"string","mutability":"readWrite"},
        {"name":"name","type":"complex","mutability":"readWrite","subAttributes":[
          {"name":"givenName","type":"string","mutability":"immutable"},
          {"name":"familyName","type":"string","mutability":"readWrite"}]},
        {"name":"emails","type":"complex","multiValued":true,"subAttributes":[
          {"name":"value","type":"string","mutability":"immutable"}]}])")));
  return *attrs;
}

v1::User Decode(const std::string& json) {
  v1::User u;
  EXPECT_TRUE(DecodeResource(Json::parse(json), &u).ok()) << json;
  return u;
}

struct Case {
  const char* stored;
  const char* replacement;
  const char* refused_path;  // nullptr: accepted
};

class CheckImmutableTest : public ::testing::TestWithParam<Case> {};

TEST_P(CheckImmutableTest, RefusesChangesToSetImmutableValues) {
  const Case& c = GetParam();
  absl::Status s =
      CheckImmutable(TestAttributes(), Decode(c.stored), Decode(c.replacement));
  if (c.refused_path == nullptr) {
    EXPECT_TRUE(s.ok()) << s;
    return;
  }
  EXPECT_EQ(HttpStatusOf(s), 400);
  EXPECT_EQ(ScimTypeOf(s), "mutability");
  EXPECT_NE(s.message().find(absl::StrCat("'", c.refused_path, "'")), std::string::npos)
      << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, CheckImmutableTest,
    ::testing::Values(
        Case{R"({"userName":"a"})", R"({"userName":"a"})", nullptr},
        Case{R"({"userName":"a"})", R"({"userName":"b"})", "userName"},
        Case{R"({"userName":"a"})", R"({})", "userName"},
        // No value yet: the replacement may set one.
        Case{R"({"title":"x"})", R"({"userName":"b"})", nullptr},
        Case{R"({"userName":"a","title":"x"})", R"({"userName":"a","title":"y"})", nullptr},
        Case{R"({"name":{"givenName":"G"}})", R"({"name":{"givenName":"G","familyName":"F"}})",
             nullptr},
        Case{R"({"name":{"givenName":"G"}})", R"({"name":{"givenName":"H"}})",
             "name.givenName"},
        Case{R"({"name":{"givenName":"G"}})", R"({})", "name.givenName"},
        Case{R"({"name":{"familyName":"F"}})", R"({"name":{"givenName":"H"}})", nullptr},
        // Elements of multi-valued attributes are replaced whole.
        Case{R"({"emails":[{"value":"a@x"}]})", R"({"emails":[{"value":"b@x"}]})", nullptr}));

TEST(CheckImmutableTest, CoreSchemasAcceptAGroupPutThatChangesMembers) {
  const ResourceTypeSchema* group = CoreRegistryForTests().FindResourceType("Group");
  ASSERT_NE(group, nullptr);
  v1::Group stored, replacement;
  stored.set_display_name("G");
  stored.add_members()->set_value("u1");
  replacement.set_display_name("G2");
  replacement.add_members()->set_value("u2");
  EXPECT_TRUE(CheckImmutable(*group, stored, replacement).ok());
}

}  // namespace
}  // namespace scim

namespace scim {
namespace {

// However they arrive (POST, PUT, the result of a PATCH), one attribute holds
// at most kMaxMultiValues values.
TEST(ValidateResourceTest, MultiValuedAttributesAreBounded) {
  const ResourceTypeSchema& type = *CoreRegistryForTests().FindResourceType("User");
  v1::User user;
  user.set_user_name("bjensen");
  for (int i = 0; i < kMaxMultiValues; ++i) {
    user.add_emails()->set_value(absl::StrCat("u", i, "@x.com"));
  }
  EXPECT_TRUE(ValidateResource(type, user).ok());
  user.add_emails()->set_value("one@too.many");
  absl::Status s = ValidateResource(type, user);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << s;
  EXPECT_NE(s.message().find("at most 1000 are allowed (the limit)"), std::string::npos)
      << s;
}

}  // namespace
}  // namespace scim
