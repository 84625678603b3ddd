#include "scim/attribute_resolver.h"
#include "scim/core_registry_for_tests.h"

#include "common/status.h"
#include "gtest/gtest.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

const ResourceTypeSchema& UserType() {
  return *CoreRegistryForTests().FindResourceType("User");
}

TEST(StringValuesAtTest, ResolvesPathsCaseInsensitively) {
  v1::User user;
  user.set_user_name("bjensen");
  user.mutable_name()->set_given_name("Barbara");
  user.add_emails()->set_value("a@x");
  user.add_emails()->set_value("b@x");
  user.add_emails();  // no value: contributes nothing
  auto values = StringValuesAt(UserType(), user, "USERNAME");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, std::vector<std::string>{"bjensen"});
  EXPECT_EQ(*StringValuesAt(UserType(), user, "name.givenName"),
            std::vector<std::string>{"Barbara"});
  EXPECT_EQ(*StringValuesAt(UserType(), user, "emails.value"),
            (std::vector<std::string>{"a@x", "b@x"}));
  EXPECT_TRUE(StringValuesAt(UserType(), user, "externalId")->empty());
  EXPECT_TRUE(StringValuesAt(UserType(), user, "name.familyName")->empty());
}

TEST(StringValuesAtTest, RejectsPathsThatAreNotStrings) {
  v1::User user;
  for (const char* path : {"active", "emails", "name", "nope", "name.nope",
                           "userName.x", ""}) {
    auto values = StringValuesAt(UserType(), user, path);
    EXPECT_FALSE(values.ok()) << path;
    EXPECT_EQ(ScimTypeOf(values.status()), "invalidPath") << path;
  }
}

}  // namespace
}  // namespace scim
