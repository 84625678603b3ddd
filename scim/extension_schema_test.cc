#include "scim/extension_schema.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status.h"
#include "gtest/gtest.h"

namespace scim {
namespace {

constexpr char kUrn[] = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

// A valid document whose attributes are `attributes` (a JSON array's body).
std::string Doc(const std::string& attributes, const std::string& extra = "") {
  return absl::StrCat(R"({"id":")", kUrn, R"(","name":"Custom","resourceType":"User",)", extra,
                      R"("attributes":[)", attributes, "]}");
}

TEST(ExtensionSchemaTest, ParsesAnEntraStyleExtension) {
  auto parsed = ParseExtensionSchema(Doc(
      R"({"name":"costCenter","type":"string","indexed":true},
         {"name":"badge","type":"integer","required":true,"uniqueness":"server"},
         {"name":"licenses","type":"complex","multiValued":true,"subAttributes":[
           {"name":"value","type":"string","canonicalValues":["E3","E5"]},
           {"name":"assigned","type":"dateTime","mutability":"readOnly"}]},
         {"name":"manager","type":"reference","referenceTypes":["User","external"]},
         {"name":"pin","type":"string","mutability":"writeOnly","returned":"never"})"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->resource_type, "User");
  const Schema& s = parsed->schema;
  EXPECT_EQ(s.id, kUrn);
  EXPECT_EQ(s.name, "Custom");
  ASSERT_EQ(s.attributes.size(), 5u);
  EXPECT_TRUE(s.Find("COSTCENTER")->indexed);
  EXPECT_EQ(s.Find("badge")->type, AttributeType::kInteger);
  EXPECT_TRUE(s.Find("badge")->required);
  EXPECT_EQ(s.Find("badge")->uniqueness, "server");
  const AttributeSchema* licenses = s.Find("licenses");
  ASSERT_NE(licenses, nullptr);
  EXPECT_TRUE(licenses->multi_valued);
  ASSERT_NE(licenses->FindSub("value"), nullptr);
  EXPECT_EQ(licenses->FindSub("value")->canonical_values,
            (std::vector<std::string>{"E3", "E5"}));
  EXPECT_EQ(licenses->FindSub("assigned")->mutability, Mutability::kReadOnly);
  EXPECT_EQ(s.Find("manager")->reference_types, (std::vector<std::string>{"User", "external"}));
  EXPECT_EQ(s.Find("pin")->returned, Returned::kNever);
  // The canonical document fills in every characteristic.
  const Json& cost = s.json["attributes"][0];
  EXPECT_EQ(cost["multiValued"], false);
  EXPECT_EQ(cost["mutability"], "readWrite");
  EXPECT_EQ(cost["returned"], "default");
  EXPECT_EQ(cost["uniqueness"], "none");
  EXPECT_EQ(cost["caseExact"], false);
  EXPECT_EQ(cost["indexed"], true);
  EXPECT_EQ(s.json["resourceType"], "User");
  EXPECT_FALSE(s.json.contains("meta"));
  // ... and parses again to the same.
  auto again = ExtensionSchemaFromJson(s.json);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->schema.json, s.json);
  // ParseAttributes (the registry's reader) reads `indexed` too.
  EXPECT_TRUE(ParseAttributes(s.json["attributes"])[0].indexed);
}

TEST(ExtensionSchemaTest, TakesBackWhatDiscoveryServes) {
  auto parsed = ParseExtensionSchema(
      Doc(R"({"name":"a","type":"boolean"})",
          R"("schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"],
             "meta":{"resourceType":"Schema","location":"/Schemas/x"},)"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->schema.json.contains("schemas"));
  auto group = ParseExtensionSchema(
      absl::StrReplaceAll(Doc(R"({"name":"a","type":"boolean"})"),
                          {{R"("resourceType":"User")", R"("resourceType":"group")"}}));
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->resource_type, "Group");
}

struct Refused {
  const char* name;
  std::string document;
  const char* detail;  // a part of the expected detail
};

class RefusesTest : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusesTest, WithAClearDetail) {
  auto parsed = ParseExtensionSchema(GetParam().document);
  ASSERT_FALSE(parsed.ok()) << GetParam().document;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
  EXPECT_NE(parsed.status().message().find(GetParam().detail), std::string::npos)
      << parsed.status();
  EXPECT_FALSE(ScimTypeOf(parsed.status()).empty());
}

std::string Attrs(const std::string& a) { return Doc(a); }

std::string WithId(const std::string& id) {
  return absl::StrCat(R"({"id":")", id,
                      R"(","resourceType":"User","attributes":[{"name":"a","type":"string"}]})");
}

std::string ManyAttributes(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&out, i ? "," : "", R"({"name":"a)", i, R"(","type":"string"})");
  }
  return out;
}

std::string ManySubAttributes(size_t n) {
  std::string subs;
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&subs, i ? "," : "", R"({"name":"s)", i, R"(","type":"string"})");
  }
  return absl::StrCat(R"({"name":"c","type":"complex","subAttributes":[)", subs, "]}");
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, RefusesTest,
    ::testing::Values(
        Refused{"NotJson", "{\"id\":", "not valid JSON"},
        Refused{"NotAnObject", "[1,2]", "must be a JSON object"},
        Refused{"Empty", "", "not valid JSON"},
        Refused{"TooLarge", std::string(kMaxSchemaDocumentBytes + 1, ' '), "at most 65536 bytes"},
        Refused{"TooDeep", std::string(100, '[') + std::string(100, ']'), "deeper than"},
        Refused{"UnknownKey", Doc(R"({"name":"a","type":"string"})", R"("extends":"User",)"),
                "unknown key \"extends\""},
        Refused{"NoId", R"({"resourceType":"User","attributes":[]})", "no \"id\""},
        Refused{"IdNotString", R"({"id":7,"resourceType":"User","attributes":[]})",
                "\"id\" must be a string"},
        Refused{"NotUrn", WithId("http://example.com/schema"), "is not a URN"},
        Refused{"Space", WithId("urn:acme:my schema"), "no spaces"},
        Refused{"Slash", WithId("urn:acme:a/b"), "'/'"},
        Refused{"ControlChar", WithId("urn:acme:a\\u0000b"), "holds a character"},
        Refused{"EmptyPart", WithId("urn:acme::User"), "empty part"},
        Refused{"TrailingColon", WithId("urn:acme:"), "empty part"},
        Refused{"BareUrn", WithId("urn:"), "empty part"},
        Refused{"LongUrn", WithId("urn:acme:" + std::string(250, 'x')), "256"},
        Refused{"CoreUser", WithId("urn:ietf:params:scim:schemas:core:2.0:User"),
                "only the standard schemas"},
        Refused{"CoreAnything", WithId("URN:IETF:params:scim:schemas:core:3.0:Thing"),
                "only the standard schemas"},
        Refused{"Enterprise", WithId("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"),
                "cannot redefine"},
        Refused{"EnterpriseAttribute",
                WithId("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:x"),
                "only the standard schemas"},
        Refused{"ApiMessages", WithId("urn:ietf:params:scim:api:messages:2.0:Error"),
                "only the standard schemas"},
        Refused{"NoResourceType", R"({"id":"urn:a:b","attributes":[]})", "no \"resourceType\""},
        Refused{"OtherResourceType", R"({"id":"urn:a:b","resourceType":"Device","attributes":[]})",
                "\"User\" or \"Group\""},
        Refused{"NoAttributes", R"({"id":"urn:a:b","resourceType":"User"})", "\"attributes\""},
        Refused{"AttributesNotArray",
                R"({"id":"urn:a:b","resourceType":"User","attributes":{}})", "an array"},
        Refused{"SchemasWrong", Doc(R"({"name":"a","type":"string"})", R"("schemas":["urn:x"],)"),
                "\"schemas\""},
        Refused{"TooManyAttributes", Attrs(ManyAttributes(kMaxSchemaAttributes + 1)),
                "at most 100 attributes"},
        Refused{"TooManySubAttributes", Attrs(ManySubAttributes(kMaxSchemaSubAttributes + 1)),
                "more than 50 sub-attributes"},
        Refused{"AttributeNotObject", Attrs("\"costCenter\""), "must be an object"},
        Refused{"NoName", Attrs(R"({"type":"string"})"), "has no \"name\""},
        Refused{"NameDigitFirst", Attrs(R"({"name":"1st","type":"string"})"),
                "not an attribute name"},
        Refused{"NameDot", Attrs(R"({"name":"a.b","type":"string"})"), "not an attribute name"},
        Refused{"NameColon", Attrs(R"({"name":"urn:x","type":"string"})"),
                "not an attribute name"},
        Refused{"NameDollarRef", Attrs(R"({"name":"$ref","type":"string"})"),
                "not an attribute name"},
        Refused{"NameEmpty", Attrs(R"({"name":"","type":"string"})"), "not an attribute name"},
        Refused{"NameUnicode", Attrs(R"({"name":"caf\u00e9","type":"string"})"),
                "not an attribute name"},
        Refused{"NameLong", Attrs(R"({"name":")" + std::string(129, 'a') + R"(","type":"string"})"),
                "longer than 128"},
        Refused{"DuplicateName",
                Attrs(R"({"name":"costCenter","type":"string"},{"name":"COSTCENTER","type":"integer"})"),
                "declared twice"},
        Refused{"DuplicateSub",
                Attrs(R"({"name":"c","type":"complex","subAttributes":[{"name":"v","type":"string"},{"name":"V","type":"string"}]})"),
                "twice"},
        Refused{"NoType", Attrs(R"({"name":"a"})"), "has no \"type\""},
        Refused{"BadType", Attrs(R"({"name":"a","type":"text"})"), "\"type\" must be one of"},
        Refused{"TypeCase", Attrs(R"({"name":"a","type":"String"})"), "\"type\" must be one of"},
        Refused{"TypeNotString", Attrs(R"({"name":"a","type":1})"), "\"type\" must be one of"},
        Refused{"UnknownAttributeKey", Attrs(R"({"name":"a","type":"string","default":"x"})"),
                "unknown key \"default\" in attribute a"},
        Refused{"MultiValuedNotBool", Attrs(R"({"name":"a","type":"string","multiValued":"yes"})"),
                "must be true or false"},
        Refused{"IndexedNotBool", Attrs(R"({"name":"a","type":"string","indexed":1})"),
                "must be true or false"},
        Refused{"BadMutability", Attrs(R"({"name":"a","type":"string","mutability":"readonly"})"),
                "\"mutability\" must be one of"},
        Refused{"BadReturned", Attrs(R"({"name":"a","type":"string","returned":"sometimes"})"),
                "\"returned\" must be one of"},
        Refused{"BadUniqueness", Attrs(R"({"name":"a","type":"string","uniqueness":"tenant"})"),
                "\"uniqueness\" must be one of"},
        Refused{"WriteOnlyReturned",
                Attrs(R"({"name":"a","type":"string","mutability":"writeOnly"})"),
                "must be \"never\""},
        Refused{"CanonicalNotStrings",
                Attrs(R"({"name":"a","type":"string","canonicalValues":[1,2]})"),
                "must be a string"},
        Refused{"CanonicalNotArray", Attrs(R"({"name":"a","type":"string","canonicalValues":"x"})"),
                "an array of strings"},
        Refused{"CanonicalEmptyString",
                Attrs(R"({"name":"a","type":"string","canonicalValues":[""]})"), "empty string"},
        Refused{"CanonicalOnComplex",
                Attrs(R"({"name":"c","type":"complex","canonicalValues":["x"],"subAttributes":[{"name":"v","type":"string"}]})"),
                "no \"canonicalValues\""},
        Refused{"ReferenceTypesOnString",
                Attrs(R"({"name":"a","type":"string","referenceTypes":["uri"]})"),
                "only for attributes of type reference"},
        Refused{"BadReferenceType",
                Attrs(R"({"name":"a","type":"reference","referenceTypes":["not a type"]})"),
                "not a resource type name"},
        Refused{"NestedComplex",
                Attrs(R"({"name":"c","type":"complex","subAttributes":[{"name":"d","type":"complex","subAttributes":[{"name":"e","type":"string"}]}]})"),
                "sub-attributes cannot be complex"},
        Refused{"ComplexWithoutSubs", Attrs(R"({"name":"c","type":"complex"})"),
                "declares no \"subAttributes\""},
        Refused{"SubsOnString",
                Attrs(R"({"name":"a","type":"string","subAttributes":[{"name":"v","type":"string"}]})"),
                "only complex attributes"},
        Refused{"SubsNotArray", Attrs(R"({"name":"c","type":"complex","subAttributes":{}})"),
                "must be an array"},
        Refused{"IndexedComplex",
                Attrs(R"({"name":"c","type":"complex","indexed":true,"subAttributes":[{"name":"v","type":"string"}]})"),
                "index its sub-attributes"},
        Refused{"SubWithUnknownKey",
                Attrs(R"({"name":"c","type":"complex","subAttributes":[{"name":"v","type":"string","x":1}]})"),
                "unknown key \"x\" in attribute c.v"},
        Refused{"DescriptionNotString", Attrs(R"({"name":"a","type":"string","description":[]})"),
                "must be a string"},
        Refused{"LongDescription",
                Attrs(R"({"name":"a","type":"string","description":")" + std::string(4097, 'd') +
                      "\"}"),
                "longer than 4096"},
        Refused{"NumberOutOfRange", Attrs(R"({"name":"a","type":"string","x":1e400})"),
                "out of range"}),
    [](const ::testing::TestParamInfo<Refused>& info) { return info.param.name; });

TEST(ExtensionSchemaTest, AcceptsTheBoundsThemselves) {
  EXPECT_TRUE(ParseExtensionSchema(Attrs(ManyAttributes(kMaxSchemaAttributes))).ok());
  EXPECT_TRUE(ParseExtensionSchema(Attrs(ManySubAttributes(kMaxSchemaSubAttributes))).ok());
  EXPECT_TRUE(ParseExtensionSchema(WithId("urn:acme:" + std::string(247, 'x'))).ok());
  EXPECT_TRUE(ParseExtensionSchema(WithId("urn:acme:(x)+y=z@w;2.0:User~1")).ok());
}

TEST(ExtensionSchemaTest, NamesTypes) {
  EXPECT_STREQ(AttributeTypeName(AttributeType::kDateTime), "dateTime");
  EXPECT_STREQ(AttributeTypeName(AttributeType::kComplex), "complex");
}

}  // namespace
}  // namespace scim
