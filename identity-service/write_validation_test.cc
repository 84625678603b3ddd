// Validation on write over every KvStore: invalid values refused, the
// tenant's strict canonical values, readOnly input ignored (server_managed.h).
#include <string>

#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::User;

class WriteValidationTest : public StoreTest {};

TEST_P(WriteValidationTest, ValidationOnWrite) {
  User two;
  two.set_user_name("two");
  two.add_emails()->set_primary(true);
  two.add_emails()->set_primary(true);
  absl::Status s = store_->Create(UserResourceType(), "acme", &two, ctx_);
  EXPECT_EQ(ScimTypeOf(s), "invalidValue");
  EXPECT_NE(s.message().find("emails"), std::string::npos) << s;

  User odd;
  odd.set_user_name("odd");
  auto* e = odd.add_emails();
  e->set_value("o@example.com");
  e->set_type("pager");
  EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &odd, ctx_).ok());
  odd.set_user_name("odd2");
  ValidationOptions strict{true};
  s = store_->Create(UserResourceType(), "acme", &odd, ctx_, strict);
  EXPECT_EQ(ScimTypeOf(s), "invalidValue");
  EXPECT_NE(s.message().find("emails[0].type"), std::string::npos) << s;
  odd.mutable_emails(0)->set_type("WORK");
  EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &odd, ctx_, strict).ok());

  User nameless;
  nameless.set_display_name("x");
  EXPECT_EQ(ScimTypeOf(store_->Create(UserResourceType(), "acme", &nameless, ctx_)),
            "invalidValue");
  // readOnly values are ignored, not errors.
  User ro;
  ro.set_user_name("ro");
  ro.add_groups()->set_value("g1");
  ro.mutable_enterprise_user()->mutable_manager()->set_display_name("Boss");
  ro.mutable_enterprise_user()->mutable_manager()->set_value("m1");
  ASSERT_TRUE(store_->Create(UserResourceType(), "acme", &ro, ctx_).ok());
  EXPECT_TRUE(ro.groups().empty());
  EXPECT_FALSE(ro.enterprise_user().manager().has_display_name());
  EXPECT_EQ(ro.enterprise_user().manager().value(), "m1");
}

INSTANTIATE_TEST_SUITE_P(AllStores, WriteValidationTest,
                         ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
