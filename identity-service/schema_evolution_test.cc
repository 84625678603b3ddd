// Safe evolution without a store: which values contradict a declaration,
// what a new version of a schema changes, hides and numbers.
#include "identity-service/schema_evolution.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace scim::identity {
namespace {

using google::protobuf::Value;

constexpr char kUrn[] = "urn:acme:hr:1.0:User";

ExtensionSchema Parse(const std::string& attributes, const std::string& type = "User") {
  auto parsed = ParseExtensionSchema(absl::StrCat(R"({"id":")", kUrn, R"(","resourceType":")",
                                                  type, R"(","attributes":[)", attributes,
                                                  "]}"));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : ExtensionSchema{};
}

AttributeSchema Declare(const std::string& attribute) {
  return Parse(attribute).schema.attributes.at(0);
}

Value V(const std::string& json) {
  Value v;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &v).ok()) << json;
  return v;
}

struct ContradictionCase {
  const char* declaration;
  const char* value;
  bool contradicts;
};

class ContradictsTest : public ::testing::TestWithParam<ContradictionCase> {};

TEST_P(ContradictsTest, ByTypeAndPlurality) {
  EXPECT_EQ(Contradicts(V(GetParam().value), Declare(GetParam().declaration)),
            GetParam().contradicts)
      << GetParam().declaration << " / " << GetParam().value;
}

constexpr char kComplex[] =
    R"({"name":"lic","type":"complex","multiValued":true,"subAttributes":[
         {"name":"value","type":"string","required":true},{"name":"seats","type":"integer"}]})";

INSTANTIATE_TEST_SUITE_P(
    Table, ContradictsTest,
    ::testing::Values(
        ContradictionCase{R"({"name":"a","type":"string"})", R"("x")", false},
        ContradictionCase{R"({"name":"a","type":"string"})", "42", true},
        ContradictionCase{R"({"name":"a","type":"string"})", "null", false},
        ContradictionCase{R"({"name":"a","type":"integer"})", "42", false},
        ContradictionCase{R"({"name":"a","type":"integer"})", "4.5", true},
        ContradictionCase{R"({"name":"a","type":"integer"})", R"("42")", true},
        ContradictionCase{R"({"name":"a","type":"decimal"})", "4.5", false},
        ContradictionCase{R"({"name":"a","type":"boolean"})", "true", false},
        ContradictionCase{R"({"name":"a","type":"boolean"})", R"("true")", true},
        ContradictionCase{R"({"name":"a","type":"dateTime"})", R"("2024-01-31T10:00:00Z")", false},
        ContradictionCase{R"({"name":"a","type":"dateTime"})", R"("yesterday")", true},
        ContradictionCase{R"({"name":"a","type":"binary"})", R"("aGVsbG8=")", false},
        ContradictionCase{R"({"name":"a","type":"binary"})", R"("not base64!")", true},
        ContradictionCase{R"({"name":"a","type":"reference"})", R"("https://x/y")", false},
        // Plurality: a list for a single-valued attribute contradicts it; a
        // single value of a multi-valued one reads as a list of one.
        ContradictionCase{R"({"name":"a","type":"string"})", R"(["x"])", true},
        ContradictionCase{R"({"name":"a","type":"string"})", "[]", false},
        ContradictionCase{R"({"name":"a","type":"string","multiValued":true})", R"(["x","y"])",
                          false},
        ContradictionCase{R"({"name":"a","type":"string","multiValued":true})", R"("x")", false},
        ContradictionCase{R"({"name":"a","type":"string","multiValued":true})", R"(["x",1])",
                          true},
        ContradictionCase{R"({"name":"a","type":"string","multiValued":true})", R"([["x"]])",
                          true},
        ContradictionCase{kComplex, R"([{"value":"E5","seats":3}])", false},
        ContradictionCase{kComplex, R"([{"value":"E5","seats":"3"}])", true},
        ContradictionCase{kComplex, R"([{"seats":3}])", true},  // required sub missing
        ContradictionCase{kComplex, R"(["E5"])", true},
        ContradictionCase{kComplex, R"([{"value":"E5","other":1}])", false}));

DataCheck Check(const std::string& attribute) {
  AttributeSchema d = Declare(attribute);
  return DataCheck{d.name, d, "test"};
}

TEST(ResourceContradictsTest, RequiredBindsOnlyResourcesCarryingTheExtension) {
  const DataCheck required = Check(R"({"name":"badge","type":"integer","required":true})");
  google::protobuf::Struct none, other, has, wrong;
  (*other.mutable_fields())["costCenter"] = V(R"("42")");
  (*has.mutable_fields())["BADGE"] = V("7");  // names are case-insensitive
  (*wrong.mutable_fields())["badge"] = V(R"("7")");
  EXPECT_FALSE(ResourceContradicts(nullptr, required));
  EXPECT_FALSE(ResourceContradicts(&none, required));
  EXPECT_TRUE(ResourceContradicts(&other, required));
  EXPECT_FALSE(ResourceContradicts(&has, required));
  EXPECT_TRUE(ResourceContradicts(&wrong, required));
}

v1::StoredSchema Stored(const ExtensionSchema& schema, const v1::StoredSchema* prior = nullptr) {
  auto plan = PlanEvolution(prior, schema);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? plan->record : v1::StoredSchema();
}

TEST(PlanEvolutionTest, NumbersAttributesInOrderOfFirstAppearance) {
  v1::StoredSchema first = Stored(Parse(
      R"({"name":"costCenter","type":"string"},
         {"name":"lic","type":"complex","subAttributes":[{"name":"value","type":"string"},
                                                          {"name":"seats","type":"integer"}]})"));
  ASSERT_NE(FindField(first, "COSTCENTER"), nullptr);
  EXPECT_EQ(FindField(first, "costCenter")->number(), 1);
  EXPECT_EQ(FindField(first, "lic")->number(), 2);
  EXPECT_EQ(FindField(first, "lic", "value")->number(), 1);
  EXPECT_EQ(FindField(first, "lic", "Seats")->number(), 2);
  EXPECT_EQ(FindField(first, "lic", "value")->parent(), 2);
  EXPECT_EQ(FindField(first, "nope"), nullptr);
  EXPECT_EQ(first.urn(), kUrn);
  EXPECT_EQ(first.resource_type(), "User");

  // Reordered, one removed (hidden, keeps its number), one added (next
  // number): numbers follow names, never positions.
  v1::StoredSchema second = Stored(Parse(
      R"({"name":"badge","type":"integer"},
         {"name":"lic","type":"complex","subAttributes":[{"name":"seats","type":"integer"},
                                                          {"name":"sku","type":"string"}]})"),
      &first);
  EXPECT_EQ(FindField(second, "badge")->number(), 3);
  EXPECT_EQ(FindField(second, "lic")->number(), 2);
  EXPECT_EQ(FindField(second, "lic", "seats")->number(), 2);
  EXPECT_EQ(FindField(second, "lic", "sku")->number(), 3);
  ASSERT_EQ(second.hidden_attributes_size(), 1);
  EXPECT_EQ(second.hidden_attributes(0).name(), "costCenter");
  EXPECT_NE(second.hidden_attributes(0).declaration_json().find("\"string\""), std::string::npos);
  EXPECT_EQ(FindField(second, "costCenter")->number(), 1);  // kept while hidden

  // Back with its type: un-hidden, same number. With another type: a new
  // number, the old one retired for good.
  v1::StoredSchema third = Stored(Parse(R"({"name":"costCenter","type":"string"},
                                           {"name":"badge","type":"string"})"),
                                  &second);
  EXPECT_EQ(third.hidden_attributes_size(), 1);  // lic
  EXPECT_EQ(third.hidden_attributes(0).name(), "lic");
  EXPECT_EQ(FindField(third, "costCenter")->number(), 1);
  EXPECT_EQ(FindField(third, "badge")->number(), 4);
  int retired = 0;
  for (const auto& f : third.fields()) {
    if (f.retired()) {
      ++retired;
      EXPECT_EQ(f.number(), 3);
      EXPECT_EQ(f.type(), "integer");
    }
  }
  EXPECT_EQ(retired, 1);
}

TEST(PlanEvolutionTest, SaysWhichChangesTheDataMustAgreeWith) {
  const v1::StoredSchema v1 = Stored(Parse(
      R"({"name":"a","type":"string"},{"name":"b","type":"string","multiValued":true},
         {"name":"c","type":"string"},{"name":"d","type":"string"},
         {"name":"e","type":"string"},
         {"name":"lic","type":"complex","subAttributes":[{"name":"value","type":"string"}]})"));
  auto plan = PlanEvolution(
      &v1, Parse(R"({"name":"a","type":"integer"},{"name":"b","type":"string"},
                    {"name":"c","type":"string","required":true},
                    {"name":"d","type":"string","multiValued":true,"description":"wider"},
                    {"name":"e","type":"string","mutability":"immutable"},
                    {"name":"lic","type":"complex","subAttributes":[
                      {"name":"value","type":"string"},{"name":"sku","type":"string","required":true}]},
                    {"name":"f","type":"string"},{"name":"g","type":"string","required":true})"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<std::string> checked;
  for (const DataCheck& c : plan->checks) checked.push_back(c.attribute + ": " + c.reason);
  EXPECT_EQ(checked, (std::vector<std::string>{
                         "a: type string -> integer", "b: multi-valued -> single-valued",
                         "c: now required", "lic: new required sub-attribute sku",
                         "g: new and required"}));
  EXPECT_EQ(plan->changed_attributes,
            (std::vector<std::string>{"a", "b", "c", "d", "e", "lic", "f", "g"}));
  EXPECT_FALSE(plan->unchanged);
}

TEST(PlanEvolutionTest, TheSameDocumentChangesNothing) {
  const ExtensionSchema schema = Parse(R"({"name":"a","type":"string"})");
  const v1::StoredSchema stored = Stored(schema);
  auto plan = PlanEvolution(&stored, schema);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->unchanged);
  // ... unless it was deleted: then it comes back.
  v1::StoredSchema deleted = stored;
  deleted.set_deleted(true);
  plan = PlanEvolution(&deleted, schema);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->unchanged);
  EXPECT_FALSE(plan->record.deleted());
}

TEST(PlanEvolutionTest, RefusesAnotherResourceType) {
  const v1::StoredSchema stored = Stored(Parse(R"({"name":"a","type":"string"})"));
  auto plan = PlanEvolution(&stored, Parse(R"({"name":"a","type":"string"})", "Group"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ScimTypeOf(plan.status()), scim_type::kMutability);
}

TEST(PlanEvolutionTest, HiddenAttributePutBackWithAnotherTypeIsChecked) {
  const v1::StoredSchema first = Stored(Parse(R"({"name":"a","type":"string"},
                                                 {"name":"b","type":"string"})"));
  const v1::StoredSchema second = Stored(Parse(R"({"name":"b","type":"string"})"), &first);
  auto plan = PlanEvolution(&second, Parse(R"({"name":"a","type":"boolean"},
                                              {"name":"b","type":"string"})"));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->checks.size(), 1u);
  EXPECT_EQ(plan->checks[0].reason, "hidden, put back with type string -> boolean");
  EXPECT_EQ(plan->record.hidden_attributes_size(), 0);
}

TEST(RefuseContradictedTest, NamesEachChangeAndItsCount) {
  std::vector<DataCheck> checks = {Check(R"({"name":"a","type":"integer"})"),
                                   Check(R"({"name":"b","type":"string"})"),
                                   Check(R"({"name":"c","type":"string","required":true})")};
  checks[0].reason = "type string -> integer";
  checks[2].reason = "now required";
  EXPECT_TRUE(RefuseContradicted("User", checks, {0, 0, 0}, true).ok());
  absl::Status s = RefuseContradicted("User", checks, {3, 0, 1}, true);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue);
  EXPECT_NE(s.message().find("attribute a (type string -> integer): 3 stored Users contradict it"),
            std::string::npos)
      << s;
  EXPECT_NE(s.message().find("attribute c (now required): 1 stored User contradicts it"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.message().find("attribute b"), std::string::npos) << s;
  s = RefuseContradicted("Group", checks, {5, 0, 0}, false);
  EXPECT_NE(s.message().find("at least 5 stored Groups"), std::string::npos) << s;
}

}  // namespace
}  // namespace scim::identity
