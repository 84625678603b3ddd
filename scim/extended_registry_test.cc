// A tenant's extension schemas through the whole engine: the JSON codec,
// validation, filters, sort, PATCH (with and without paths, Entra's
// top-level "urn:…:attr" form), projection, and the v1 wire form.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "google/protobuf/util/message_differencer.h"
#include "scim/extension_fields.h"
#include "scim/filter_eval.h"
#include "scim/json_codec.h"
#include "scim/patch.h"
#include "scim/projection.h"
#include "scim/sort_key.h"
#include "scim/v1/resources.pb.h"
#include "scim/validation.h"

namespace scim {
namespace {

constexpr char kUrn[] = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

ExtensionSchema EntraStyle() {
  ExtensionSchema ext;
  ext.schema.id = kUrn;
  ext.schema.name = "CustomExtension";
  ext.schema.json = Json::parse(R"({"attributes":[
    {"name":"costCenter","type":"string","multiValued":false,"caseExact":false},
    {"name":"badge","type":"integer","multiValued":false},
    {"name":"contractor","type":"boolean","multiValued":false},
    {"name":"rate","type":"decimal","multiValued":false},
    {"name":"hired","type":"dateTime","multiValued":false},
    {"name":"licenses","type":"string","multiValued":true},
    {"name":"assignments","type":"complex","multiValued":true,"subAttributes":[
      {"name":"name","type":"string","multiValued":false},
      {"name":"level","type":"integer","multiValued":false}]},
    {"name":"secret","type":"string","multiValued":false,"mutability":"writeOnly","returned":"never"}]})");
  ext.schema.attributes = ParseAttributes(ext.schema.json["attributes"]);
  ext.schema.json["id"] = kUrn;
  ext.resource_type = "User";
  ext.field_number = kFirstExtensionField;
  ext.field_numbers = {{"costcenter", 1},        {"badge", 2},         {"contractor", 3},
                       {"rate", 4},              {"hired", 5},         {"licenses", 6},
                       {"assignments", 7},       {"assignments.name", 1},
                       {"assignments.level", 2}, {"secret", 8}};
  return ext;
}

class ExtendedRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = SchemaRegistry::WithExtensions({EntraStyle()});
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    type_ = registry_->FindResourceType("User");
    ASSERT_NE(type_, nullptr);
  }

  std::unique_ptr<google::protobuf::Message> Decode(const std::string& json) {
    std::unique_ptr<google::protobuf::Message> m(type_->prototype->New());
    absl::Status s = DecodeResource(Json::parse(json), m.get());
    EXPECT_TRUE(s.ok()) << s;
    return m;
  }

  std::unique_ptr<const SchemaRegistry> registry_;
  const ResourceTypeSchema* type_ = nullptr;
};

constexpr char kAnn[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"],
  "userName": "ann",
  "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {
    "costCenter": "42", "badge": 7, "contractor": false, "rate": 1.5,
    "hired": "2024-03-01T09:00:00Z", "licenses": ["e3", "visio"],
    "assignments": [{"name": "ops", "level": 2}, {"name": "dev", "level": 5}]}})";

TEST_F(ExtendedRegistryTest, DecodesAndEncodesCustomAttributesUnderTheirUrn) {
  auto ann = Decode(kAnn);
  Json out = EncodeResource(*ann);
  const Json& ext = out[kUrn];
  EXPECT_EQ(ext["costCenter"], "42");
  EXPECT_EQ(ext["badge"], 7);
  EXPECT_EQ(ext["contractor"], false) << "false is a value: it is kept";
  EXPECT_EQ(ext["rate"], 1.5);
  EXPECT_EQ(ext["hired"], "2024-03-01T09:00:00Z");
  EXPECT_EQ(ext["licenses"], Json::array({"e3", "visio"}));
  EXPECT_EQ(ext["assignments"][1]["level"], 5);
  EXPECT_EQ(out["userName"], "ann");
  EXPECT_TRUE(registry_->FindSchema(kUrn) != nullptr);
  // Attribute names match case-insensitively, the URN too.
  auto lower = Decode(R"({"userName":"bob","URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:CUSTOMEXTENSIONNAME:2.0:USER":{"COSTCENTER":"7"}})");
  EXPECT_EQ(EncodeResource(*lower)[kUrn]["costCenter"], "7");
}

TEST_F(ExtendedRegistryTest, WrongTypesAreRefusedNamingTheAttribute) {
  for (const char* bad : {R"({"badge":"seven"})", R"({"contractor":"maybe"})",
                          R"({"hired":"yesterday"})", R"({"licenses":[1]})",
                          R"({"assignments":[{"level":"high"}]})"}) {
    std::unique_ptr<google::protobuf::Message> m(type_->prototype->New());
    Json j = {{"userName", "x"}, {kUrn, Json::parse(bad)}};
    absl::Status s = DecodeResource(j, m.get());
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(ExtendedRegistryTest, TravelsAsAV1UserAcrossGrpcWithoutLosingValues) {
  auto ann = Decode(kAnn);
  v1::User wire;
  ASSERT_TRUE(wire.ParseFromString(ann->SerializeAsString()));
  EXPECT_EQ(wire.user_name(), "ann");
  std::unique_ptr<google::protobuf::Message> back(type_->prototype->New());
  ASSERT_TRUE(back->ParseFromString(wire.SerializeAsString()));
  EXPECT_EQ(EncodeResource(*back), EncodeResource(*ann));
}

TEST_F(ExtendedRegistryTest, FiltersAndSortsOnCustomAttributes) {
  auto ann = Decode(kAnn);
  struct Case {
    std::string filter;
    bool matches;
  } cases[] = {
      {absl::StrCat(kUrn, ":costCenter eq \"42\""), true},
      {absl::StrCat(kUrn, ":costCenter eq \"43\""), false},
      {absl::StrCat(kUrn, ":badge gt 5"), true},
      {absl::StrCat(kUrn, ":badge lt 5"), false},
      {absl::StrCat(kUrn, ":contractor eq false"), true},
      {absl::StrCat(kUrn, ":hired ge \"2024-01-01T00:00:00Z\""), true},
      {absl::StrCat(kUrn, ":licenses eq \"visio\""), true},
      {absl::StrCat(kUrn, ":assignments[name eq \"dev\" and level ge 5]"), true},
      {absl::StrCat(kUrn, ":assignments[name eq \"ops\" and level ge 5]"), false},
      {absl::StrCat(kUrn, ":costCenter pr and userName eq \"ann\""), true},
  };
  for (const Case& c : cases) {
    auto filter = CompiledFilter::Compile(*type_, c.filter);
    ASSERT_TRUE(filter.ok()) << c.filter << ": " << filter.status();
    EXPECT_EQ(filter->Matches(*ann), c.matches) << c.filter;
  }
  EXPECT_FALSE(CompiledFilter::Compile(*type_, absl::StrCat(kUrn, ":nope eq 1")).ok());
  auto sort = ResolveSortBy(*type_, absl::StrCat(kUrn, ":costCenter"));
  ASSERT_TRUE(sort.ok()) << sort.status();
  EXPECT_EQ(SortKey(*ann, *sort).value_or("<none>"), SortKey(*Decode(R"({"userName":"z",")" + std::string(kUrn) + R"(":{"costCenter":"42"}})"), *sort).value_or("?"));
}

TEST_F(ExtendedRegistryTest, PatchesWithAndWithoutPaths) {
  auto ann = Decode(kAnn);
  auto apply = [&](const std::string& ops) {
    auto parsed = ParsePatchOperations(Json::parse(ops));
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return ApplyPatch(*type_, *parsed, ann.get());
  };
  // Path with the URN (Entra), a value-filtered path, and no path with the
  // top-level "urn:…:attr" key Entra sends.
  ASSERT_TRUE(apply(absl::StrCat(R"([{"op":"replace","path":")", kUrn,
                                 R"(:costCenter","value":"43"}])")).ok());
  ASSERT_TRUE(apply(absl::StrCat(R"([{"op":"remove","path":")", kUrn,
                                 R"(:assignments[name eq \"ops\"]"}])")).ok());
  absl::Status s = apply(absl::StrCat(R"([{"op":"replace","value":{")", kUrn,
                                      R"(:badge":8}}])"));
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(apply(absl::StrCat(R"([{"op":"add","value":{")", kUrn,
                                 R"(":{"licenses":["teams"]}}}])")).ok());
  Json out = EncodeResource(*ann);
  EXPECT_EQ(out[kUrn]["costCenter"], "43");
  EXPECT_EQ(out[kUrn]["badge"], 8);
  EXPECT_EQ(out[kUrn]["assignments"].size(), 1u);
  EXPECT_EQ(out[kUrn]["licenses"], Json::array({"e3", "visio", "teams"}));
  EXPECT_FALSE(apply(absl::StrCat(R"([{"op":"replace","path":")", kUrn,
                                  R"(:badge","value":"eight"}])")).ok());
}

TEST_F(ExtendedRegistryTest, ProjectionAndReturnedAreHonoured) {
  auto ann = Decode(kAnn);
  Projection only(*type_, {absl::StrCat(kUrn, ":costCenter")}, {});
  std::unique_ptr<google::protobuf::Message> copy(ann->New());
  copy->CopyFrom(*ann);
  only.Apply(copy.get());
  Json out = EncodeResource(*copy);
  EXPECT_EQ(out[kUrn].size(), 1u) << out.dump();
  EXPECT_EQ(out[kUrn]["costCenter"], "42");
  Projection without(*type_, {}, {absl::StrCat(kUrn, ":licenses")});
  copy->CopyFrom(*ann);
  without.Apply(copy.get());
  EXPECT_FALSE(EncodeResource(*copy)[kUrn].contains("licenses"));
}

TEST_F(ExtendedRegistryTest, ValidationKnowsTheExtension) {
  auto ann = Decode(kAnn);
  EXPECT_TRUE(ValidateResource(*type_, *ann).ok());
}

TEST(ExtendedRegistryBuildTest, RefusesBrokenDeclarations) {
  ExtensionSchema twice = EntraStyle();
  auto dup = SchemaRegistry::WithExtensions({EntraStyle(), twice});
  EXPECT_FALSE(dup.ok());
  ExtensionSchema unknown_type = EntraStyle();
  unknown_type.resource_type = "Printer";
  EXPECT_FALSE(SchemaRegistry::WithExtensions({unknown_type}).ok());
  ExtensionSchema low = EntraStyle();
  low.field_number = 25;  // would collide with the core message
  EXPECT_FALSE(SchemaRegistry::WithExtensions({low}).ok());
  ExtensionSchema missing = EntraStyle();
  missing.field_numbers.pop_back();
  EXPECT_FALSE(SchemaRegistry::WithExtensions({missing}).ok());
  ExtensionSchema core = EntraStyle();
  core.schema.id = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  EXPECT_FALSE(SchemaRegistry::WithExtensions({core}).ok());
  // A group extension leaves User alone.
  ExtensionSchema group = EntraStyle();
  group.resource_type = "Group";
  auto registry = SchemaRegistry::WithExtensions({group});
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ((*registry)->FindResourceType("User")->descriptor, v1::User::descriptor());
  EXPECT_NE((*registry)->FindResourceType("Group")->descriptor, v1::Group::descriptor());
}

// v1.User as it crosses gRPC (custom values in `extensions`, by URN) into
// the tenant's message: table-driven, hostile forms included.
struct ToSchemaCase {
  const char* name;
  std::string body;   // decoded into a v1.User, as the edge does
  bool strict;
  absl::StatusCode code;  // kOk: `typed` is the tenant extension's JSON
  std::string typed;  // or a word the error's detail must contain
};

TEST_F(ExtendedRegistryTest, ExtensionsMapToTypedFieldsTable) {
  const std::string u = kUrn;
  const std::vector<ToSchemaCase> cases = {
      {"nested object", R"({"userName":"a",")" + u + R"(":{"costCenter":"42","badge":7}})",
       false, absl::StatusCode::kOk, R"({"costCenter":"42","badge":7})"},
      {"Entra top-level attribute key", R"({"userName":"a",")" + u + R"(:costCenter":"42"})",
       false, absl::StatusCode::kOk, R"({"costCenter":"42"})"},
      {"top-level multi-valued complex", R"({"userName":"a",")" + u +
           R"(:assignments":[{"name":"x","level":2}]})",
       false, absl::StatusCode::kOk, R"({"assignments":[{"name":"x","level":2}]})"},
      {"URN in another case", R"({"userName":"a",")" + absl::AsciiStrToUpper(u) +
           R"(":{"COSTCENTER":"1"}})",
       false, absl::StatusCode::kOk, R"({"costCenter":"1"})"},
      {"wrong type", R"({"userName":"a",")" + u + R"(":{"badge":"seven"}})", false,
       absl::StatusCode::kInvalidArgument, "badge"},
      {"wrong type, top-level form", R"({"userName":"a",")" + u + R"(:contractor":[1]})",
       false, absl::StatusCode::kInvalidArgument, "contractor"},
      {"unknown schema dropped", R"({"userName":"a","urn:other:1.0:User":{"x":1}})", false,
       absl::StatusCode::kOk, ""},
      {"unknown schema, strict", R"({"userName":"a","urn:other:1.0:User":{"x":1}})", true,
       absl::StatusCode::kInvalidArgument, "urn:other:1.0:User"},
      {"unknown attribute, strict", R"({"userName":"a",")" + u + R"(":{"nope":1}})", true,
       absl::StatusCode::kInvalidArgument, "nope"},
      {"bare urn: key", R"({"userName":"a","urn:":{"x":1}})", false, absl::StatusCode::kOk, ""},
      {"trailing colon", R"({"userName":"a",")" + u + R"(:":"v"})", false,
       absl::StatusCode::kOk, ""},
  };
  for (const ToSchemaCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::User user;
    ASSERT_TRUE(DecodeResource(Json::parse(c.body), &user).ok());
    std::unique_ptr<google::protobuf::Message> typed(type_->prototype->New());
    const absl::Status s = ToSchemaMessage(user, typed.get(), {c.strict});
    ASSERT_EQ(s.code(), c.code) << s;
    if (!s.ok()) {
      EXPECT_NE(s.message().find(c.typed), std::string::npos) << s;
      continue;
    }
    const Json encoded = EncodeResource(*typed);
    EXPECT_EQ(encoded["userName"], "a");
    EXPECT_FALSE(encoded.contains("urn:other:1.0:User")) << encoded.dump();
    if (c.typed.empty()) {
      EXPECT_FALSE(encoded.contains(kUrn)) << encoded.dump();
    } else {
      EXPECT_EQ(encoded[kUrn], Json::parse(c.typed)) << encoded.dump();
    }
  }
}

TEST_F(ExtendedRegistryTest, TypedFieldsGoBackIntoTheMapAndRoundTrip) {
  auto typed = Decode(std::string(R"({"userName":"a","name":{"givenName":"G"},")") + kUrn +
                      R"(":{"costCenter":"42","assignments":[{"name":"x","level":2}]}})");
  v1::User user;
  FromSchemaMessage(*typed, &user);
  EXPECT_EQ(user.user_name(), "a");
  EXPECT_TRUE(user.GetReflection()->GetUnknownFields(user).empty())
      << "custom values left as unknown fields";
  ASSERT_EQ(user.extensions().count(kUrn), 1u);
  EXPECT_EQ(user.extensions().at(kUrn).fields().at("costCenter").string_value(), "42");
  std::unique_ptr<google::protobuf::Message> back(type_->prototype->New());
  ASSERT_TRUE(ToSchemaMessage(user, back.get()).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*typed, *back))
      << back->DebugString();
  // In place, on the tenant's own message.
  FromSchemaMessage(*back, back.get());
  EXPECT_TRUE(EncodeResource(*back).contains(kUrn));
}

TEST(ExtensionMapCodecTest, UnknownUrnKeysGoIntoTheMap) {
  v1::User user;
  ASSERT_TRUE(DecodeResource(Json::parse(R"({"userName":"a",
      "urn:acme:2.0:User":{"costCenter":"1"},
      "urn:acme:2.0:User:badge":7,
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"},
      "notUrn":{"x":1}})"),
                             &user)
                  .ok());
  ASSERT_EQ(user.extensions_size(), 1);
  const auto& fields = user.extensions().at("urn:acme:2.0:User").fields();
  EXPECT_EQ(fields.at("costCenter").string_value(), "1");
  EXPECT_EQ(fields.at("badge").number_value(), 7);
  // A schema the message types stays typed.
  EXPECT_EQ(user.enterprise_user().department(), "D");
  // Strict decoding leaves unknown schemas to whoever knows the tenant's.
  EXPECT_TRUE(DecodeResource(Json::parse(R"({"urn:acme:2.0:User":{"a":1}})"), &user,
                             {.reject_unknown_attributes = true})
                  .ok());
  EXPECT_FALSE(DecodeResource(Json::parse(R"({"notUrn":{"a":1}})"), &user,
                              {.reject_unknown_attributes = true})
                   .ok());
}

}  // namespace
}  // namespace scim
