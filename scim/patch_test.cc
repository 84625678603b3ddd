// PATCH table tests: one case per IdP request shape and per RFC 7644 rule.
// Over 400 lines for a reason: the cases are data, kept in one table.
#include "scim/patch.h"
#include "scim/core_registry_for_tests.h"

#include "absl/strings/match.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "scim/json_codec.h"
#include "scim/json_pointer_expectations_for_tests.h"
#include "scim/limits.h"
#include "scim/patch_values.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

constexpr char kEnterprise[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

constexpr char kUser[] = R"({
  "id": "u1", "userName": "bjensen", "active": true,
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "emails": [{"value": "b@work.com", "type": "work", "primary": true},
             {"value": "b@home.com", "type": "home"}],
  "addresses": [{"type": "home", "locality": "Oslo"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "department": "Tours", "manager": {"value": "m1"}}
})";

// One case: a PATCH body's Operations against kUser, then either the
// expected values at JSON pointers of the result (null = absent) or the
// expected scimType of the error.
struct Case {
  const char* name;
  const char* operations;
  const char* want;  // {"/pointer": value, ...}
  const char* error = "";
};

std::vector<PatchOp> ParseOps(const std::string& text) {
  auto ops = ParsePatchOperations(Json::parse(text));
  EXPECT_TRUE(ops.ok()) << ops.status();
  return ops.ok() ? *ops : std::vector<PatchOp>{};
}

class PatchTableTest : public testing::TestWithParam<Case> {};

TEST_P(PatchTableTest, Applies) {
  const Case& c = GetParam();
  v1::User user;
  ASSERT_TRUE(DecodeResource(Json::parse(kUser), &user).ok());
  const v1::User before = user;
  absl::Status s = ApplyPatch(*CoreRegistryForTests().FindResourceType("User"),
                              ParseOps(c.operations), &user);
  if (*c.error != '\0') {
    ASSERT_FALSE(s.ok()) << EncodeResource(user).dump();
    EXPECT_EQ(ScimTypeOf(s), c.error) << s;
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(s.message(), "operation ")) << s;
    return;
  }
  ASSERT_TRUE(s.ok()) << s;
  ExpectJsonPointers(EncodeResource(user), c.want);
}

const Case kCases[] = {
    // --- replace, add, remove on singular attributes -----------------------
    {"ReplaceSimple", R"([{"op":"replace","path":"displayName","value":"Babs"}])",
     R"({"/displayName":"Babs","/userName":"bjensen"})"},
    {"AddSimple", R"([{"op":"add","path":"title","value":"Guide"}])",
     R"({"/title":"Guide"})"},
    {"AddOverwritesSingular", R"([{"op":"add","path":"userName","value":"barbara"}])",
     R"({"/userName":"barbara"})"},
    {"RemoveSimple", R"([{"op":"remove","path":"userName"}])", R"({"/userName":null})"},
    {"RemoveAbsentIsNoOp", R"([{"op":"remove","path":"title"}])", R"({"/title":null})"},
    {"ReplaceSubAttribute", R"([{"op":"replace","path":"name.givenName","value":"Barb"}])",
     R"({"/name/givenName":"Barb","/name/familyName":"Jensen"})"},
    {"AddSubAttributeCreatesParent",
     R"([{"op":"add","path":"name.middleName","value":"J"}])",
     R"({"/name/middleName":"J","/name/givenName":"Barbara"})"},
    {"RemoveSubAttribute", R"([{"op":"remove","path":"name.familyName"}])",
     R"({"/name/familyName":null,"/name/givenName":"Barbara"})"},
    {"RemoveLastSubAttributeDropsParent",
     R"([{"op":"remove","path":"name.familyName"},{"op":"remove","path":"name.givenName"}])",
     R"({"/name":null})"},
    {"ReplaceComplexMerges",
     R"([{"op":"replace","path":"name","value":{"familyName":"Smith"}}])",
     R"({"/name/familyName":"Smith","/name/givenName":"Barbara"})"},
    {"ReplaceComplexNullSubClears",
     R"([{"op":"replace","path":"name","value":{"familyName":null}}])",
     R"({"/name/familyName":null,"/name/givenName":"Barbara"})"},
    {"RemoveComplex", R"([{"op":"remove","path":"name"}])", R"({"/name":null})"},
    {"ReplaceWithNullValueIsInvalid", R"([{"op":"replace","path":"userName","value":null}])",
     "", scim_type::kInvalidValue},
    {"ReplaceBoolean", R"([{"op":"replace","path":"active","value":false}])",
     R"({"/active":false})"},
    {"PathCaseInsensitive", R"([{"op":"replace","path":"NAME.GIVENNAME","value":"B"}])",
     R"({"/name/givenName":"B"})"},
    // --- what IdPs send ----------------------------------------------------
    {"EntraCapitalisedReplace", R"([{"op":"Replace","path":"title","value":"Boss"}])",
     R"({"/title":"Boss"})"},
    {"EntraCapitalisedAdd", R"([{"op":"Add","path":"nickName","value":"Babs"}])",
     R"({"/nickName":"Babs"})"},
    {"EntraCapitalisedRemove", R"([{"op":"Remove","path":"name.givenName"}])",
     R"({"/name/givenName":null})"},
    {"UpperCaseOp", R"([{"op":"REPLACE","path":"title","value":"X"}])",
     R"({"/title":"X"})"},
    {"EntraStringFalse", R"([{"op":"Replace","path":"active","value":"False"}])",
     R"({"/active":false})"},
    {"EntraStringTrue", R"([{"op":"replace","path":"active","value":"true"}])",
     R"({"/active":true})"},
    {"StringBooleanInNoPathValue", R"([{"op":"replace","value":{"active":"False"}}])",
     R"({"/active":false})"},
    {"OktaDeactivate", R"([{"op":"replace","value":{"active":false}}])",
     R"({"/active":false,"/userName":"bjensen"})"},
    {"NoPathDottedKeys",
     R"([{"op":"replace","value":{"name.givenName":"Ann","name.familyName":"Lee"}}])",
     R"({"/name/givenName":"Ann","/name/familyName":"Lee"})"},
    {"NoPathUrnQualifiedKey",
     R"([{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales"}}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":"Sales"})"},
    {"NoPathMixedKeys",
     R"([{"op":"add","value":{"name.givenName":"x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"42","title":"T"}}])",
     R"({"/name/givenName":"x","/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/costCenter":"42","/title":"T"})"},
    {"NoPathExtensionObject",
     R"([{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"North"}}}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/division":"North","/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":"Tours"})"},
    {"NoPathComplexMerges",
     R"([{"op":"replace","value":{"name":{"givenName":"G"}}}])",
     R"({"/name/givenName":"G","/name/familyName":"Jensen"})"},
    {"NoPathIgnoresSchemasKey",
     R"([{"op":"replace","value":{"schemas":["x"],"title":"T"}}])", R"({"/title":"T"})"},
    {"NoPathIgnoresUnknownKeys",
     R"([{"op":"replace","value":{"bogus":1,"title":"T"}}])", R"({"/title":"T"})"},
    {"NoPathIgnoresReadOnlyKeys",
     R"([{"op":"replace","value":{"id":"other","meta":{},"title":"T"}}])",
     R"({"/id":"u1","/title":"T"})"},
    {"NoPathCaseInsensitiveKeys",
     R"([{"op":"replace","value":{"DisplayName":"D","Active":false}}])",
     R"({"/displayName":"D","/active":false})"},
    {"ReplaceFilterMissAddsElement",
     R"([{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"}])",
     R"({"/addresses/1/type":"work","/addresses/1/streetAddress":"1 Main St","/addresses/0/locality":"Oslo"})"},
    {"ReplaceFilterHitSetsSub",
     R"([{"op":"replace","path":"addresses[type eq \"home\"].locality","value":"Bergen"}])",
     R"({"/addresses/0/locality":"Bergen","/addresses/1":null})"},
    {"EntraPhoneByType",
     R"([{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+4712345678"}])",
     R"({"/phoneNumbers/0/type":"mobile","/phoneNumbers/0/value":"+4712345678"})"},
    {"EntraEmailReplaceByType",
     R"([{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@work.com"}])",
     R"({"/emails/0/value":"new@work.com","/emails/0/type":"work","/emails/1/value":"b@home.com"})"},
    {"ManagerAsBareId",
     R"([{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m2"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value":"m2"})"},
    {"ManagerAsObject",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m3"}}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value":"m3"})"},
    {"ManagerBareIdNoPath",
     R"([{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m4"}}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value":"m4"})"},
    {"ManagerValueSubPath",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"m5"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value":"m5"})"},
    {"RemoveManager",
     R"([{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager":null,"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":"Tours"})"},
    {"RemoveValueListRemovesOnlyThose",
     R"([{"op":"remove","path":"emails","value":[{"value":"b@home.com"}]}])",
     R"({"/emails/0/value":"b@work.com","/emails/1":null})"},
    {"RemoveSingleValueObject",
     R"([{"op":"remove","path":"emails","value":{"value":"b@work.com"}}])",
     R"({"/emails/0/value":"b@home.com","/emails/1":null})"},
    {"RemoveValueListUnknownValueKeepsAll",
     R"([{"op":"remove","path":"emails","value":[{"value":"nobody@x"}]}])",
     R"({"/emails/0/value":"b@work.com","/emails/1/value":"b@home.com"})"},
    // --- URN-qualified and extension paths ---------------------------------
    {"UrnPathReplace",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Ops"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":"Ops"})"},
    {"UrnPathCaseInsensitive",
     R"([{"op":"replace","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department","value":"Ops"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":"Ops"})"},
    {"UrnPathRemove",
     R"([{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":null})"},
    {"CorePathWithUrn",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:title","value":"Q"}])",
     R"({"/title":"Q"})"},
    {"CoreSubPathWithUrn",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName","value":"Q"}])",
     R"({"/name/familyName":"Q"})"},
    {"ExtensionPathObject",
     R"([{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"employeeNumber":"7"}}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/employeeNumber":"7","/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department":"Tours"})"},
    {"RemoveWholeExtension",
     R"([{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}])",
     R"({"/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null})"},
    // --- multi-valued attributes -------------------------------------------
    {"AddMultiValuedAppends",
     R"([{"op":"add","path":"emails","value":[{"value":"c@x.com","type":"other"}]}])",
     R"({"/emails/2/value":"c@x.com","/emails/0/value":"b@work.com"})"},
    {"AddMultiValuedSingleObject",
     R"([{"op":"add","path":"emails","value":{"value":"c@x.com"}}])",
     R"({"/emails/2/value":"c@x.com"})"},
    {"AddMultiValuedMergesDuplicate",
     R"([{"op":"add","path":"emails","value":[{"value":"b@home.com","display":"Home"}]}])",
     R"({"/emails/1/display":"Home","/emails/2":null})"},
    {"NoPathAddMultiValuedAppends",
     R"([{"op":"add","value":{"emails":[{"value":"d@x.com"}]}}])",
     R"({"/emails/2/value":"d@x.com"})"},
    {"ReplaceMultiValuedReplacesAll",
     R"([{"op":"replace","path":"emails","value":[{"value":"only@x.com"}]}])",
     R"({"/emails/0/value":"only@x.com","/emails/1":null})"},
    {"NoPathReplaceMultiValued",
     R"([{"op":"replace","value":{"emails":[{"value":"only@x.com","type":"work"}]}}])",
     R"({"/emails/0/value":"only@x.com","/emails/1":null})"},
    {"RemoveMultiValued", R"([{"op":"remove","path":"emails"}])", R"({"/emails":null})"},
    {"RemoveByFilter", R"([{"op":"remove","path":"emails[type eq \"home\"]"}])",
     R"({"/emails/0/value":"b@work.com","/emails/1":null})"},
    {"RemoveByFilterCaseInsensitiveValue",
     R"([{"op":"remove","path":"emails[value eq \"B@HOME.COM\"]"}])",
     R"({"/emails/1":null})"},
    {"RemoveByFilterNestedLogic",
     R"([{"op":"remove","path":"emails[type eq \"home\" or (type eq \"work\" and primary eq true)]"}])",
     R"({"/emails":null})"},
    {"RemoveByFilterNoMatch",
     R"([{"op":"remove","path":"emails[type eq \"other\"]"}])", "", scim_type::kNoTarget},
    {"RemoveSubByFilter",
     R"([{"op":"remove","path":"emails[type eq \"work\"].primary"}])",
     R"({"/emails/0/primary":null,"/emails/0/value":"b@work.com"})"},
    {"ReplaceElementByFilterMerges",
     R"([{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"h2@x.com"}}])",
     R"({"/emails/1/value":"h2@x.com","/emails/1/type":"home"})"},
    {"ReplaceSubOnAllElements",
     R"([{"op":"replace","path":"emails.display","value":"E"}])",
     R"({"/emails/0/display":"E","/emails/1/display":"E"})"},
    {"AddSubOnEmptyCreatesElement",
     R"([{"op":"add","path":"ims.value","value":"babs"}])",
     R"({"/ims/0/value":"babs"})"},
    {"AddWithFilterMissAddsElement",
     R"([{"op":"add","path":"emails[type eq \"other\"]","value":{"value":"o@x.com"}}])",
     R"({"/emails/2/type":"other","/emails/2/value":"o@x.com"})"},
    {"FilterPathWithAndSeedsBoth",
     R"([{"op":"replace","path":"phoneNumbers[type eq \"work\" and display eq \"Desk\"].value","value":"1"}])",
     R"({"/phoneNumbers/0/type":"work","/phoneNumbers/0/display":"Desk","/phoneNumbers/0/value":"1"})"},
    // --- primary -----------------------------------------------------------
    {"PrimaryMovesOnAdd",
     R"([{"op":"add","path":"emails","value":[{"value":"n@x.com","primary":true}]}])",
     R"({"/emails/2/primary":true,"/emails/0/primary":null})"},
    {"PrimaryMovesOnFilteredReplace",
     R"([{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}])",
     R"({"/emails/1/primary":true,"/emails/0/primary":null})"},
    {"PrimaryStringTrue",
     R"([{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}])",
     R"({"/emails/1/primary":true,"/emails/0/primary":null})"},
    {"PrimaryFalseKeepsOther",
     R"([{"op":"add","path":"emails","value":[{"value":"n@x.com","primary":false}]}])",
     R"({"/emails/0/primary":true})"},
    // --- several operations --------------------------------------------------
    {"OperationsApplyInOrder",
     R"([{"op":"replace","path":"title","value":"A"},{"op":"replace","path":"title","value":"B"}])",
     R"({"/title":"B"})"},
    {"AddThenRemove",
     R"([{"op":"add","path":"nickName","value":"N"},{"op":"remove","path":"nickName"}])",
     R"({"/nickName":null})"},
    {"MixedOps",
     R"([{"op":"Replace","path":"active","value":"False"},{"op":"Add","path":"emails","value":[{"value":"z@x.com"}]},{"op":"Remove","path":"addresses"}])",
     R"({"/active":false,"/emails/2/value":"z@x.com","/addresses":null})"},
    {"LaterErrorFailsAll",
     R"([{"op":"replace","path":"title","value":"A"},{"op":"replace","path":"bogus","value":1}])",
     "", scim_type::kInvalidPath},
    // --- invalid operations --------------------------------------------------
    {"UnknownOp", R"([{"op":"move","path":"title","value":"A"}])", "",
     scim_type::kInvalidSyntax},
    {"EmptyOp", R"([{"path":"title","value":"A"}])", "", scim_type::kInvalidSyntax},
    {"RemoveWithoutPath", R"([{"op":"remove"}])", "", scim_type::kNoTarget},
    {"NoPathValueNotObject", R"([{"op":"replace","value":"x"}])", "",
     scim_type::kInvalidValue},
    {"AddWithoutValue", R"([{"op":"add","path":"title"}])", "", scim_type::kInvalidValue},
    {"UnknownAttribute", R"([{"op":"replace","path":"bogus","value":"x"}])", "",
     scim_type::kInvalidPath},
    {"UnknownSubAttribute", R"([{"op":"replace","path":"name.bogus","value":"x"}])", "",
     scim_type::kInvalidPath},
    {"MalformedPath", R"([{"op":"replace","path":"name..givenName","value":"x"}])", "",
     scim_type::kInvalidPath},
    {"UnclosedFilter", R"([{"op":"remove","path":"emails[type eq \"work\""}])", "",
     scim_type::kInvalidPath},
    {"FilterOnSingular", R"([{"op":"replace","path":"name[givenName eq \"x\"]","value":{}}])",
     "", scim_type::kInvalidPath},
    {"FilterUnknownSub", R"([{"op":"remove","path":"emails[bogus eq \"x\"]"}])", "",
     scim_type::kInvalidFilter},
    {"FilterTypeMismatch", R"([{"op":"remove","path":"emails[primary eq \"x\"]"}])", "",
     scim_type::kInvalidFilter},
    {"ReadOnlyId", R"([{"op":"replace","path":"id","value":"x"}])", "",
     scim_type::kMutability},
    {"ReadOnlyMeta", R"([{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}])",
     "", scim_type::kMutability},
    {"ReadOnlyGroups", R"([{"op":"add","path":"groups","value":[{"value":"g"}]}])", "",
     scim_type::kMutability},
    {"ReadOnlyManagerDisplayName",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName","value":"x"}])",
     "", scim_type::kMutability},
    {"WrongTypeBoolean", R"([{"op":"replace","path":"active","value":"maybe"}])", "",
     scim_type::kInvalidValue},
    {"WrongTypeString", R"([{"op":"replace","path":"title","value":{"a":1}}])", "",
     scim_type::kInvalidValue},
    {"WrongTypeComplex", R"([{"op":"replace","path":"name","value":"Bob"}])", "",
     scim_type::kInvalidValue},
    {"WrongTypeMultiValued", R"([{"op":"add","path":"emails","value":"x@y"}])", "",
     scim_type::kInvalidValue},
    {"WrongTypeInNoPath", R"([{"op":"replace","value":{"active":42}}])", "",
     scim_type::kInvalidValue},
    {"FilteredReplaceNeedsObject",
     R"([{"op":"replace","path":"emails[type eq \"work\"]","value":"x"}])", "",
     scim_type::kInvalidValue},
    // --- a value filter that matches nothing (RFC 7644 §3.5.2.1) ----------
    {"AddFilterMissAddsElement",
     R"([{"op":"add","path":"addresses[type eq \"work\"].formatted","value":"1 Main St"}])",
     R"({"/addresses/1/type":"work","/addresses/1/formatted":"1 Main St"})"},
    {"AddFilterMissAndOfEqs",
     R"([{"op":"add","path":"emails[type eq \"other\" and display eq \"D\"].value","value":"o@x.com"}])",
     R"({"/emails/2/type":"other","/emails/2/display":"D","/emails/2/value":"o@x.com"})"},
    {"AddFilterMissOrIsNoTarget",
     R"([{"op":"add","path":"addresses[type eq \"work\" or type eq \"other\"].formatted","value":"x"}])",
     "", scim_type::kNoTarget},
    {"ReplaceFilterMissOrIsNoTarget",
     R"([{"op":"replace","path":"addresses[type eq \"work\" or type eq \"other\"].formatted","value":"x"}])",
     "", scim_type::kNoTarget},
    {"AddFilterMissNeIsNoTarget",
     R"([{"op":"add","path":"emails[type ne \"work\" and type ne \"home\"].value","value":"x@x.com"}])",
     "", scim_type::kNoTarget},
    {"AddFilterMissCoIsNoTarget",
     R"([{"op":"add","path":"addresses[type co \"wor\"].formatted","value":"x"}])", "",
     scim_type::kNoTarget},
    {"AddFilterMissNotIsNoTarget",
     R"([{"op":"add","path":"addresses[not (type eq \"home\")].formatted","value":"x"}])",
     "", scim_type::kNoTarget},
    {"AddFilterMissEqNullIsNoTarget",
     R"([{"op":"add","path":"addresses[type eq null].formatted","value":"x"}])", "",
     scim_type::kNoTarget},
    {"AddFilterHitOrSetsEveryMatch",
     R"([{"op":"add","path":"emails[type eq \"work\" or type eq \"home\"].display","value":"E"}])",
     R"({"/emails/0/display":"E","/emails/1/display":"E","/emails/2":null})"},
    // --- values matched by value (or whole), each once --------------------
    {"AddMergesSameValueAndAppendsNew",
     R"([{"op":"add","path":"emails","value":[{"value":"b@home.com","display":"H"},{"value":"n@x.com"},{"value":"n@x.com","type":"other"}]}])",
     R"({"/emails/1/display":"H","/emails/1/type":"home","/emails/2/value":"n@x.com","/emails/2/type":"other","/emails/3":null})"},
    {"AddMergesWholeEqualAddress",
     R"([{"op":"add","path":"addresses","value":[{"type":"home","locality":"Oslo"},{"type":"work"}]}])",
     R"({"/addresses/0/locality":"Oslo","/addresses/1/type":"work","/addresses/2":null})"},
    {"RemoveByValueList",
     R"([{"op":"remove","path":"emails","value":[{"value":"b@home.com"},{"value":"nobody@x.com"}]}])",
     R"({"/emails/0/value":"b@work.com","/emails/1":null})"},
    {"RemoveWholeAddressByValueList",
     R"([{"op":"remove","path":"addresses","value":[{"type":"home","locality":"Oslo"}]}])",
     R"({"/addresses":null,"/emails/1/value":"b@home.com"})"},
    {"UnknownExtensionAttribute",
     R"([{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:bogus","value":"x"}])",
     "", scim_type::kInvalidPath},
};

INSTANTIATE_TEST_SUITE_P(Table, PatchTableTest, testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

TEST(PatchTest, ParsesOperationsStrictlyByType) {
  auto ops = ParsePatchOperations(
      Json::parse(R"([{"OP":"Add","Path":"title","Value":"x"},{"op":"remove","path":"title"}])"));
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0].op, "Add");
  EXPECT_EQ((*ops)[0].path, "title");
  EXPECT_EQ((*ops)[0].value, "x");
  EXPECT_TRUE((*ops)[1].value.is_null());
  for (const char* bad : {R"({"op":"add"})", "[42]", R"([{"op":1}])", R"([{"op":"add","path":[]}])"}) {
    auto parsed = ParsePatchOperations(Json::parse(bad));
    EXPECT_EQ(ScimTypeOf(parsed.status()), scim_type::kInvalidSyntax) << bad;
  }
}

TEST(PatchTest, EmptyOperationsAreInvalid) {
  v1::User user;
  absl::Status s =
      ApplyPatch(*CoreRegistryForTests().FindResourceType("User"), {}, &user);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue);
}

TEST(PatchTest, StrictTenantRejectsUnknownNoPathKeys) {
  v1::User user;
  user.set_user_name("x");
  PatchOptions options;
  options.reject_unknown_attributes = true;
  absl::Status s = ApplyPatch(*CoreRegistryForTests().FindResourceType("User"),
                              ParseOps(R"([{"op":"replace","value":{"bogus":1}}])"),
                              &user, options);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidPath) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "bogus")) << s;
}

TEST(PatchTest, ErrorNamesTheOperation) {
  v1::User user;
  absl::Status s = ApplyPatch(
      *CoreRegistryForTests().FindResourceType("User"),
      ParseOps(R"([{"op":"add","path":"title","value":"a"},{"op":"replace","path":"nope","value":1}])"),
      &user);
  EXPECT_TRUE(absl::StartsWith(s.message(), "operation 2 (replace nope): ")) << s;
}

// Group members handed to the owner of the edges, resolved.
TEST(PatchTest, ExternalAttributeGoesToItsHandler) {
  const ResourceTypeSchema& group = *CoreRegistryForTests().FindResourceType("Group");
  std::vector<ExternalPatch> seen;
  std::vector<std::optional<std::vector<std::string>>> values;
  std::vector<bool> element_matches;
  PatchOptions options;
  options.external_attribute = "members";
  options.external = [&](const ExternalPatch& p) {
    seen.push_back(p);
    values.push_back(p.filter_values);
    if (p.filter != nullptr) {
      v1::ResourceReference r;
      r.set_value("u9");
      r.set_type("User");
      element_matches.push_back(MatchesElement(*p.filter, r));
    }
    seen.back().filter = nullptr;
    return absl::OkStatus();
  };
  v1::Group g;
  g.set_display_name("Ops");
  ASSERT_TRUE(ApplyPatch(group, ParseOps(R"([
      {"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2"}]},
      {"op":"Remove","path":"members","value":[{"value":"u1"}]},
      {"op":"remove","path":"members[value eq \"u3\"]"},
      {"op":"remove","path":"members[value eq \"u4\" or value eq \"u5\"]"},
      {"op":"remove","path":"members[type eq \"User\"]"},
      {"op":"replace","value":{"displayName":"Ops2","members":[{"value":"u6"}]}},
      {"op":"remove","path":"members"}])"),
                         &g, options).ok());
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[0].kind, PatchKind::kAdd);
  EXPECT_EQ(seen[0].values.size(), 2u);
  EXPECT_EQ(seen[1].kind, PatchKind::kRemove);
  EXPECT_EQ(seen[1].values[0]["value"], "u1");
  EXPECT_EQ(values[2], (std::vector<std::string>{"u3"}));
  EXPECT_EQ(values[3], (std::vector<std::string>{"u4", "u5"}));
  EXPECT_FALSE(values[4].has_value());
  EXPECT_EQ(element_matches, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(seen[5].kind, PatchKind::kReplace);
  EXPECT_EQ(seen[5].values[0]["value"], "u6");
  EXPECT_EQ(g.display_name(), "Ops2");
  EXPECT_EQ(seen[6].kind, PatchKind::kRemove);
  EXPECT_TRUE(seen[6].values.empty());
  EXPECT_EQ(g.members_size(), 0);  // never written into the message

  absl::Status bad = ApplyPatch(
      group, ParseOps(R"([{"op":"add","path":"members","value":"string id 1"}])"), &g,
      options);
  EXPECT_EQ(ScimTypeOf(bad), scim_type::kInvalidValue) << bad;
}

}  // namespace
}  // namespace scim

namespace scim {
namespace {

Json Emails(int n) {
  Json emails = Json::array();
  for (int i = 0; i < n; ++i) {
    emails.push_back({{"value", absl::StrCat("u", i, "@x.com")}});
  }
  return emails;
}

TEST(PatchLimitsTest, MoreOperationsThanTheLimitAreTooMany) {
  Json ops = Json::array();
  for (int i = 0; i <= kMaxPatchOperations; ++i) {
    ops.push_back({{"op", "replace"}, {"path", "title"}, {"value", "t"}});
  }
  auto parsed = ParsePatchOperations(ops);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(ScimTypeOf(parsed.status()), scim_type::kTooMany);
  EXPECT_TRUE(absl::StrContains(parsed.status().message(), "at most 1000 operations"))
      << parsed.status();
  // The store checks again (a gRPC client may skip the edge).
  std::vector<PatchOp> many(kMaxPatchOperations + 1, PatchOp{"replace", "title", "t"});
  v1::User user;
  absl::Status s =
      ApplyPatch(*CoreRegistryForTests().FindResourceType("User"), many, &user);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kTooMany) << s;
  many.pop_back();
  EXPECT_TRUE(ApplyPatch(*CoreRegistryForTests().FindResourceType("User"), many, &user)
                  .ok());
}

TEST(PatchLimitsTest, MoreValuesThanTheLimitAreInvalidValue) {
  const ResourceTypeSchema& type = *CoreRegistryForTests().FindResourceType("User");
  for (const PatchOp& op :
       {PatchOp{"add", "emails", Emails(kMaxMultiValues + 1)},
        PatchOp{"add", "", Json{{"emails", Emails(kMaxMultiValues + 1)}}},
        PatchOp{"remove", "emails", Emails(kMaxMultiValues + 1)},
        PatchOp{"replace", "emails", Emails(20000)}}) {
    v1::User user;
    absl::Status s = ApplyPatch(type, {op}, &user);
    EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "at most 1000 (the limit)")) << s;
  }
  v1::User user;
  ASSERT_TRUE(ApplyPatch(type, {PatchOp{"add", "emails", Emails(kMaxMultiValues)}}, &user)
                  .ok());
  EXPECT_EQ(user.emails_size(), kMaxMultiValues);
  // Adding the same values again merges every one (found by value).
  ASSERT_TRUE(ApplyPatch(type, {PatchOp{"add", "emails", Emails(kMaxMultiValues)}}, &user)
                  .ok());
  EXPECT_EQ(user.emails_size(), kMaxMultiValues);
}

TEST(PatchLimitsTest, ExternalMembersAreBoundedPerOperation) {
  const ResourceTypeSchema& type = *CoreRegistryForTests().FindResourceType("Group");
  PatchOptions options;
  options.external_attribute = "members";
  int calls = 0;
  options.external = [&](const ExternalPatch&) {
    ++calls;
    return absl::OkStatus();
  };
  v1::Group group;
  absl::Status s = ApplyPatch(
      type, {PatchOp{"add", "members", Emails(kMaxMultiValues + 1)}}, &group, options);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << s;
  EXPECT_EQ(calls, 0);
}

struct KeyCase {
  const char* name;
  const char* a;
  const char* b;
  bool same;
};

// ValueKey is SameValue as a key: by `value` when the element has one,
// else whole.
TEST(ValueKeyTest, EqualKeysAreTheSameValue) {
  const KeyCase cases[] = {
      {"same value", R"({"value":"a","type":"work"})", R"({"value":"a"})", true},
      {"value is case-sensitive", R"({"value":"a"})", R"({"value":"A"})", false},
      {"valueless equal whole", R"({"type":"work"})", R"({"type":"work"})", true},
      {"valueless differ", R"({"type":"work"})", R"({"type":"home"})", false},
      {"no value vs value-shaped whole", R"({"type":"va"})", R"({"value":"a"})", false},
  };
  for (const KeyCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::User a, b;
    ASSERT_TRUE(DecodeResource(Json{{"emails", Json::array({Json::parse(c.a)})}}, &a).ok());
    ASSERT_TRUE(DecodeResource(Json{{"emails", Json::array({Json::parse(c.b)})}}, &b).ok());
    EXPECT_EQ(ValueKey(a.emails(0)) == ValueKey(b.emails(0)), c.same);
  }
}

}  // namespace
}  // namespace scim
