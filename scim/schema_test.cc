#include "scim/schema.h"
#include "scim/core_registry_for_tests.h"

#include "gtest/gtest.h"
#include "scim/attribute_resolver.h"
#include "common/status.h"

namespace scim {
namespace {

// Every attribute the registry declares is stored in the resource's proto:
// the data and the model cannot drift apart.
void ExpectStored(const ResourceTypeSchema& type, const std::string& prefix,
                  const std::vector<AttributeSchema>& attrs) {
  for (const AttributeSchema& a : attrs) {
    auto resolved = ResolvePathText(type, prefix + a.name, scim_type::kInvalidPath);
    ASSERT_TRUE(resolved.ok()) << prefix << a.name << ": " << resolved.status();
    for (const AttributeSchema& sub : a.sub_attributes) {
      auto s = ResolvePathText(type, absl::StrCat(prefix, a.name, ".", sub.name),
                               scim_type::kInvalidPath);
      EXPECT_TRUE(s.ok()) << prefix << a.name << "." << sub.name << ": " << s.status();
    }
  }
}

TEST(SchemaRegistryTest, EveryDeclaredAttributeResolvesToAField) {
  const SchemaRegistry& r = CoreRegistryForTests();
  for (const ResourceTypeSchema& type : r.resource_types()) {
    ExpectStored(type, "", r.common_attributes());
    ExpectStored(type, "", r.FindSchema(type.schema)->attributes);
    for (const SchemaExtension& ext : type.extensions) {
      ExpectStored(type, ext.schema + ":", r.FindSchema(ext.schema)->attributes);
    }
  }
}

TEST(SchemaRegistryTest, CarriesTheRfcCharacteristics) {
  const SchemaRegistry& r = CoreRegistryForTests();
  const Schema* user = r.FindSchema("URN:ietf:params:scim:schemas:core:2.0:user");
  ASSERT_NE(user, nullptr);
  const AttributeSchema* user_name = user->Find("USERNAME");
  ASSERT_NE(user_name, nullptr);
  EXPECT_TRUE(user_name->required);
  EXPECT_FALSE(user_name->case_exact);
  EXPECT_EQ(user_name->uniqueness, "server");
  const AttributeSchema* password = user->Find("password");
  EXPECT_EQ(password->returned, Returned::kNever);
  EXPECT_EQ(password->mutability, Mutability::kWriteOnly);
  const AttributeSchema* emails = user->Find("emails");
  EXPECT_TRUE(emails->multi_valued);
  EXPECT_EQ(emails->type, AttributeType::kComplex);
  EXPECT_EQ(emails->FindSub("type")->canonical_values,
            (std::vector<std::string>{"work", "home", "other"}));
  EXPECT_EQ(user->Find("groups")->mutability, Mutability::kReadOnly);
  EXPECT_EQ(r.FindCommon("id")->returned, Returned::kAlways);
  EXPECT_EQ(r.FindCommon("meta")->FindSub("created")->type, AttributeType::kDateTime);
  const Schema* group = r.FindSchema("urn:ietf:params:scim:schemas:core:2.0:Group");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->Find("members")->FindSub("type")->canonical_values,
            (std::vector<std::string>{"User", "Group"}));
  EXPECT_NE(r.FindSchema("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            nullptr);
  EXPECT_EQ(r.FindResourceType("user")->endpoint, "Users");
  EXPECT_EQ(r.FindResourceType("Group")->endpoint, "Groups");
}

}  // namespace
}  // namespace scim
