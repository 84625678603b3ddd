// roles and entitlements (RFC 7643 §4.1.2) through every part of the engine:
// JSON codec, filters, PATCH, projection and validation. Nothing in the
// engine names these attributes; these tables check that the generic code
// covers them the way IdPs (Lumos, Okta, Entra) use them.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "scim/core_registry_for_tests.h"
#include "scim/filter_eval.h"
#include "scim/json_codec.h"
#include "scim/json_pointer_expectations_for_tests.h"
#include "scim/limits.h"
#include "scim/patch.h"
#include "scim/patch_values.h"
#include "scim/projection.h"
#include "scim/validation.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

const ResourceTypeSchema& UserType() {
  return *CoreRegistryForTests().FindResourceType("User");
}

constexpr char kUser[] = R"({
  "id": "u1", "userName": "bjensen", "active": true,
  "roles": [{"value": "admin", "display": "Administrator", "type": "app", "primary": true},
            {"value": "viewer", "type": "app"}],
  "entitlements": [{"value": "x", "display": "Feature X"},
                   {"value": "pro", "type": "license"}]
})";

v1::User Babs() {
  v1::User user;
  absl::Status s = DecodeResource(Json::parse(kUser), &user);
  EXPECT_TRUE(s.ok()) << s;
  return user;
}

// --- JSON codec -------------------------------------------------------------

TEST(RolesCodecTest, EverySubAttributeRoundTrips) {
  v1::User user = Babs();
  ASSERT_EQ(user.roles_size(), 2);
  EXPECT_EQ(user.roles(0).value(), "admin");
  EXPECT_EQ(user.roles(0).display(), "Administrator");
  EXPECT_EQ(user.roles(0).type(), "app");
  EXPECT_TRUE(user.roles(0).primary());
  EXPECT_FALSE(user.roles(1).has_primary());
  ASSERT_EQ(user.entitlements_size(), 2);
  EXPECT_EQ(user.entitlements(1).type(), "license");
  const Json out = EncodeResource(user);
  EXPECT_EQ(out["roles"], Json::parse(kUser)["roles"]);
  EXPECT_EQ(out["entitlements"], Json::parse(kUser)["entitlements"]);
}

TEST(RolesCodecTest, CaseInsensitiveNamesAndStringBooleans) {
  v1::User user;
  ASSERT_TRUE(DecodeResource(Json::parse(R"({"ROLES":[{"Value":"a","PRIMARY":"True"}],
                                             "Entitlements":[{"VALUE":"e"}]})"),
                             &user)
                  .ok());
  ASSERT_EQ(user.roles_size(), 1);
  EXPECT_EQ(user.roles(0).value(), "a");
  EXPECT_TRUE(user.roles(0).primary());
  ASSERT_EQ(user.entitlements_size(), 1);
  EXPECT_EQ(user.entitlements(0).value(), "e");
}

// Hostile and malformed bodies: each a 400 invalidValue naming the attribute.
TEST(RolesCodecTest, WrongShapesAreInvalidValue) {
  for (const char* body : {
           R"({"roles":"admin"})",
           R"({"roles":{"value":"admin"}})",
           R"({"roles":["admin"]})",
           R"({"roles":[{"value":42}]})",
           R"({"roles":[{"value":"a","primary":"maybe"}]})",
           R"({"roles":[{"value":{"nested":"x"}}]})",
           R"({"entitlements":[{"type":["a"]}]})",
           R"({"entitlements":true})",
       }) {
    v1::User user;
    absl::Status s = DecodeResource(Json::parse(body), &user);
    EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << body << ": " << s;
    EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(s.message()),
                                  absl::StrContains(body, "roles") ? "roles"
                                                                   : "entitlements"))
        << s;
  }
}

// --- validation -------------------------------------------------------------

TEST(RolesValidationTest, AtMostOnePrimary) {
  v1::User user = Babs();
  EXPECT_TRUE(ValidateResource(UserType(), user).ok());
  user.mutable_roles(1)->set_primary(true);
  absl::Status s = ValidateResource(UserType(), user);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "roles")) << s;
  user = Babs();
  user.mutable_entitlements(0)->set_primary(true);
  user.mutable_entitlements(1)->set_primary(true);
  EXPECT_EQ(ScimTypeOf(ValidateResource(UserType(), user)), scim_type::kInvalidValue);
}

TEST(RolesValidationTest, MoreValuesThanTheLimitAreInvalidValue) {
  v1::User user;
  user.set_user_name("x");
  for (int i = 0; i <= kMaxMultiValues; ++i) {
    user.add_roles()->set_value(absl::StrCat("r", i));
  }
  EXPECT_EQ(ScimTypeOf(ValidateResource(UserType(), user)), scim_type::kInvalidValue);
}

// --- filters ----------------------------------------------------------------

struct FilterCase {
  const char* filter;
  bool matches;
};

class RolesFilterTest : public testing::TestWithParam<FilterCase> {};

TEST_P(RolesFilterTest, Matches) {
  auto compiled = CompiledFilter::Compile(UserType(), GetParam().filter);
  ASSERT_TRUE(compiled.ok()) << GetParam().filter << ": " << compiled.status();
  EXPECT_EQ(compiled->Matches(Babs()), GetParam().matches) << GetParam().filter;
  // A user without roles or entitlements matches only the negations.
  v1::User bare;
  bare.set_user_name("bare");
  EXPECT_EQ(compiled->Matches(bare), absl::StartsWith(GetParam().filter, "not"))
      << GetParam().filter;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RolesFilterTest,
    testing::Values(
        FilterCase{R"(roles[value eq "admin"])", true},
        FilterCase{R"(roles[value eq "ADMIN"])", true},  // caseExact false
        FilterCase{R"(roles[value eq "root"])", false},
        FilterCase{R"(roles.value eq "viewer")", true},
        FilterCase{R"(roles.value eq "admin ")", false},
        FilterCase{R"(roles.value sw "adm")", true},
        FilterCase{R"(roles.display co "istr")", true},
        FilterCase{R"(roles[type eq "app" and value eq "viewer"])", true},
        // Both in one element, not spread over two.
        FilterCase{R"(roles[value eq "viewer" and primary eq true])", false},
        FilterCase{R"(roles[value eq "admin" and primary eq true])", true},
        FilterCase{R"(roles[primary eq true].value eq "admin")", true},
        FilterCase{R"(roles[primary eq true].value eq "viewer")", false},
        FilterCase{R"(roles pr)", true},
        FilterCase{R"(not (roles[value eq "admin"]))", false},
        FilterCase{R"(not (roles[value eq "root"]))", true},
        FilterCase{R"(entitlements.value eq "x")", true},
        FilterCase{R"(entitlements.value eq "X")", true},
        FilterCase{R"(entitlements.value eq "y")", false},
        FilterCase{R"(entitlements[type eq "license" and value eq "pro"])", true},
        FilterCase{R"(entitlements[type eq "license" and value eq "x"])", false},
        FilterCase{R"(entitlements.primary pr)", false},
        FilterCase{R"(roles[value eq "admin"] and entitlements.value eq "pro")", true},
        FilterCase{R"(roles[value eq "root"] or entitlements[value eq "x"])", true}),
    [](const auto& info) { return absl::StrCat("Case", info.index); });

TEST(RolesFilterTest, BadFiltersAreInvalidFilter) {
  for (const char* filter : {
           R"(roles[bogus eq "x"])",
           R"(roles[primary eq "yes"])",
           R"(roles.bogus eq "x")",
           R"(entitlements[value eq "x")",
           R"(roles[value eq admin])",
           R"(roles[roles[value eq "x"]])",
           R"(entitlements.value.x eq "1")",
       }) {
    auto compiled = CompiledFilter::Compile(UserType(), filter);
    ASSERT_FALSE(compiled.ok()) << filter;
    EXPECT_EQ(ScimTypeOf(compiled.status()), scim_type::kInvalidFilter)
        << filter << ": " << compiled.status();
  }
}

// --- PATCH ------------------------------------------------------------------

struct PatchCase {
  const char* name;
  const char* operations;
  const char* want;  // {"/pointer": value, ...}; null = absent
  const char* error = "";
};

class RolesPatchTest : public testing::TestWithParam<PatchCase> {};

TEST_P(RolesPatchTest, Applies) {
  const PatchCase& c = GetParam();
  auto ops = ParsePatchOperations(Json::parse(c.operations));
  ASSERT_TRUE(ops.ok()) << ops.status();
  v1::User user = Babs();
  absl::Status s = ApplyPatch(UserType(), *ops, &user);
  if (*c.error != '\0') {
    EXPECT_EQ(ScimTypeOf(s), c.error) << s;
    return;
  }
  ASSERT_TRUE(s.ok()) << s;
  ExpectJsonPointers(EncodeResource(user), c.want);
}

const PatchCase kPatchCases[] = {
    // --- remove by value (Lumos, Okta "remove role") ------------------------
    {"RemoveRoleByValueFilter", R"([{"op":"remove","path":"roles[value eq \"admin\"]"}])",
     R"({"/roles/0/value":"viewer","/roles/1":null,"/entitlements/1/value":"pro"})"},
    {"RemoveRoleByValueFilterIgnoresCase",
     R"([{"op":"Remove","path":"roles[value eq \"VIEWER\"]"}])",
     R"({"/roles/0/value":"admin","/roles/1":null})"},
    {"RemoveRoleByValueList",
     R"([{"op":"remove","path":"roles","value":[{"value":"viewer"}]}])",
     R"({"/roles/0/value":"admin","/roles/1":null})"},
    {"RemoveRolesByValueListUnknownKeepsAll",
     R"([{"op":"remove","path":"roles","value":[{"value":"root"}]}])",
     R"({"/roles/0/value":"admin","/roles/1/value":"viewer"})"},
    {"RemoveEveryRole", R"([{"op":"remove","path":"roles"}])",
     R"({"/roles":null,"/entitlements/0/value":"x"})"},
    {"RemoveRoleSubAttribute", R"([{"op":"remove","path":"roles[value eq \"admin\"].display"}])",
     R"({"/roles/0/display":null,"/roles/0/value":"admin"})"},
    {"RemoveEntitlementByFilter",
     R"([{"op":"remove","path":"entitlements[value eq \"x\"]"}])",
     R"({"/entitlements/0/value":"pro","/entitlements/1":null,"/roles/1/value":"viewer"})"},
    {"RemoveEntitlementsByType",
     R"([{"op":"remove","path":"entitlements[type eq \"license\"]"}])",
     R"({"/entitlements/0/value":"x","/entitlements/1":null})"},
    {"RemoveUnknownRoleIsNoTarget", R"([{"op":"remove","path":"roles[value eq \"root\"]"}])",
     "", scim_type::kNoTarget},
    // --- add ------------------------------------------------------------------
    {"AddRoleList",
     R"([{"op":"add","path":"roles","value":[{"value":"auditor","type":"app"},{"value":"ops"}]}])",
     R"({"/roles/2/value":"auditor","/roles/3/value":"ops","/roles/0/value":"admin"})"},
    {"AddRoleSingleObject", R"([{"op":"Add","path":"roles","value":{"value":"auditor"}}])",
     R"({"/roles/2/value":"auditor"})"},
    {"AddExistingRoleMerges",
     R"([{"op":"add","path":"roles","value":[{"value":"viewer","display":"Viewer"}]}])",
     R"({"/roles/1/display":"Viewer","/roles/1/type":"app","/roles/2":null})"},
    {"AddPrimaryRoleMovesPrimary",
     R"([{"op":"add","path":"roles","value":[{"value":"owner","primary":true}]}])",
     R"({"/roles/2/primary":true,"/roles/0/primary":null})"},
    {"AddRoleNoPath", R"([{"op":"add","value":{"roles":[{"value":"auditor"}]}}])",
     R"({"/roles/2/value":"auditor","/roles/0/value":"admin"})"},
    {"AddByFilterMissAddsRole",
     R"([{"op":"add","path":"roles[value eq \"auditor\"].display","value":"Auditor"}])",
     R"({"/roles/2/value":"auditor","/roles/2/display":"Auditor"})"},
    {"AddEntitlementList",
     R"([{"op":"add","path":"entitlements","value":[{"value":"y","type":"feature"}]}])",
     R"({"/entitlements/2/value":"y","/entitlements/2/type":"feature"})"},
    // --- replace --------------------------------------------------------------
    {"ReplaceRoles", R"([{"op":"replace","path":"roles","value":[{"value":"only"}]}])",
     R"({"/roles/0/value":"only","/roles/0/display":null,"/roles/1":null})"},
    {"ReplaceRolesNoPath", R"([{"op":"Replace","value":{"roles":[{"value":"only"}]}}])",
     R"({"/roles/0/value":"only","/roles/1":null})"},
    {"ReplaceRoleDisplayByFilter",
     R"([{"op":"replace","path":"roles[value eq \"viewer\"].display","value":"Read only"}])",
     R"({"/roles/1/display":"Read only","/roles/0/display":"Administrator"})"},
    {"ReplacePrimaryByFilter",
     R"([{"op":"replace","path":"roles[value eq \"viewer\"].primary","value":"True"}])",
     R"({"/roles/1/primary":true,"/roles/0/primary":null})"},
    {"ReplaceEntitlementElement",
     R"([{"op":"replace","path":"entitlements[value eq \"x\"]","value":{"display":"X2"}}])",
     R"({"/entitlements/0/value":"x","/entitlements/0/display":"X2"})"},
    {"RemoveThenAddInOnePatch",
     R"([{"op":"remove","path":"roles[value eq \"admin\"]"},{"op":"add","path":"roles","value":[{"value":"admin"}]}])",
     R"({"/roles/0/value":"viewer","/roles/1/value":"admin","/roles/1/display":null})"},
    // --- hostile or malformed -------------------------------------------------
    {"RoleAsBareString", R"([{"op":"add","path":"roles","value":"admin"}])", "",
     scim_type::kInvalidValue},
    {"RoleValueNotString", R"([{"op":"add","path":"roles","value":[{"value":7}]}])", "",
     scim_type::kInvalidValue},
    {"RoleUnknownSubAttribute",
     R"([{"op":"replace","path":"roles.bogus","value":"x"}])", "", scim_type::kInvalidPath},
    {"RoleFilterUnknownSub", R"([{"op":"remove","path":"roles[bogus eq \"x\"]"}])", "",
     scim_type::kInvalidFilter},
    {"RoleFilterTypeMismatch", R"([{"op":"remove","path":"roles[primary eq \"x\"]"}])", "",
     scim_type::kInvalidFilter},
    {"RoleFilterUnclosed", R"([{"op":"remove","path":"roles[value eq \"admin\""}])", "",
     scim_type::kInvalidPath},
    // A malformed path, filter included, is invalidPath (RFC 7644 §3.5.2).
    {"RoleFilterBareValue", R"([{"op":"remove","path":"roles[value eq admin]"}])", "",
     scim_type::kInvalidPath},
    {"FilteredReplaceNeedsObject",
     R"([{"op":"replace","path":"entitlements[value eq \"x\"]","value":"y"}])", "",
     scim_type::kInvalidValue},
};

INSTANTIATE_TEST_SUITE_P(Table, RolesPatchTest, testing::ValuesIn(kPatchCases),
                         [](const auto& info) { return info.param.name; });

TEST(RolesPatchLimitsTest, MoreRolesThanTheLimitAreInvalidValue) {
  Json roles = Json::array();
  for (int i = 0; i <= kMaxMultiValues; ++i) {
    roles.push_back({{"value", absl::StrCat("r", i)}});
  }
  for (const char* op : {"add", "replace", "remove"}) {
    v1::User user = Babs();
    absl::Status s = ApplyPatch(UserType(), {PatchOp{op, "roles", roles}}, &user);
    EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << op << ": " << s;
  }
}

// --- projection ---------------------------------------------------------------

struct ProjectionCase {
  std::vector<std::string> attributes;
  std::vector<std::string> excluded;
  const char* want;  // {"/pointer": value}; null = absent
};

class RolesProjectionTest : public testing::TestWithParam<ProjectionCase> {};

TEST_P(RolesProjectionTest, Keeps) {
  v1::User user = Babs();
  Projection(UserType(), GetParam().attributes, GetParam().excluded).Apply(&user);
  ExpectJsonPointers(EncodeResource(user), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RolesProjectionTest,
    testing::Values(
        ProjectionCase{{"roles"}, {},
                       R"({"/roles/1/value":"viewer","/roles/0/primary":true,
                           "/entitlements":null,"/userName":null,"/id":"u1"})"},
        ProjectionCase{{"roles.value"}, {},
                       R"({"/roles/0/value":"admin","/roles/0/display":null,
                           "/roles/0/primary":null,"/entitlements":null})"},
        ProjectionCase{{"ROLES.VALUE", "entitlements.type"}, {},
                       R"({"/roles/1/value":"viewer","/entitlements/1/type":"license",
                           "/entitlements/1/value":null})"},
        ProjectionCase{{}, {"entitlements"},
                       R"({"/entitlements":null,"/roles/0/value":"admin","/userName":"bjensen"})"},
        ProjectionCase{{}, {"roles.display", "roles.type"},
                       R"({"/roles/0/display":null,"/roles/0/type":null,
                           "/roles/0/value":"admin","/entitlements/0/display":"Feature X"})"}));

}  // namespace
}  // namespace scim
