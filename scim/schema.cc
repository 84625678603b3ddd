#include "scim/schema.h"

#include "absl/strings/match.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

// RFC 7643 §8.7.1, trimmed descriptions; see core_schemas.inc.
constexpr char kCoreSchemas[] =
#include "scim/core_schemas.inc"
    ;

// RFC 7643 §3.1: attributes every resource has, outside any schema.
constexpr char kCommonAttributes[] = R"json([
 {"name":"id","type":"string","multiValued":false,"required":false,"caseExact":true,"mutability":"readOnly","returned":"always","uniqueness":"server"},
 {"name":"externalId","type":"string","multiValued":false,"required":false,"caseExact":true,"mutability":"readWrite","returned":"default","uniqueness":"none"},
 {"name":"meta","type":"complex","multiValued":false,"required":false,"mutability":"readOnly","returned":"default","uniqueness":"none","subAttributes":[
  {"name":"resourceType","type":"string","multiValued":false,"required":false,"caseExact":true,"mutability":"readOnly","returned":"default","uniqueness":"none"},
  {"name":"created","type":"dateTime","multiValued":false,"required":false,"caseExact":false,"mutability":"readOnly","returned":"default","uniqueness":"none"},
  {"name":"lastModified","type":"dateTime","multiValued":false,"required":false,"caseExact":false,"mutability":"readOnly","returned":"default","uniqueness":"none"},
  {"name":"location","type":"reference","referenceTypes":["uri"],"multiValued":false,"required":false,"caseExact":true,"mutability":"readOnly","returned":"default","uniqueness":"none"},
  {"name":"version","type":"string","multiValued":false,"required":false,"caseExact":true,"mutability":"readOnly","returned":"default","uniqueness":"none"}]}
])json";

AttributeType TypeOf(const std::string& s) {
  if (s == "boolean") return AttributeType::kBoolean;
  if (s == "decimal") return AttributeType::kDecimal;
  if (s == "integer") return AttributeType::kInteger;
  if (s == "dateTime") return AttributeType::kDateTime;
  if (s == "reference") return AttributeType::kReference;
  if (s == "binary") return AttributeType::kBinary;
  if (s == "complex") return AttributeType::kComplex;
  return AttributeType::kString;
}

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key)) {
    for (const auto& v : j[key]) out.push_back(v.get<std::string>());
  }
  return out;
}

template <typename T>
const T* FindByName(const std::vector<T>& list, absl::string_view name) {
  for (const T& item : list) {
    if (absl::EqualsIgnoreCase(item.name, name)) return &item;
  }
  return nullptr;
}

}  // namespace

Mutability MutabilityOf(const std::string& s) {
  if (s == "readOnly") return Mutability::kReadOnly;
  if (s == "immutable") return Mutability::kImmutable;
  if (s == "writeOnly") return Mutability::kWriteOnly;
  return Mutability::kReadWrite;
}

Returned ReturnedOf(const std::string& s) {
  if (s == "always") return Returned::kAlways;
  if (s == "never") return Returned::kNever;
  if (s == "request") return Returned::kRequest;
  return Returned::kDefault;
}

std::vector<AttributeSchema> ParseAttributes(const Json& attributes) {
  std::vector<AttributeSchema> out;
  for (const Json& a : attributes) {
    AttributeSchema s;
    s.name = a.at("name").get<std::string>();
    s.type = TypeOf(a.at("type").get<std::string>());
    s.multi_valued = a.value("multiValued", false);
    s.required = a.value("required", false);
    s.case_exact = a.value("caseExact", false);
    s.mutability = MutabilityOf(a.value("mutability", "readWrite"));
    s.returned = ReturnedOf(a.value("returned", "default"));
    s.uniqueness = a.value("uniqueness", "none");
    s.canonical_values = Strings(a, "canonicalValues");
    s.reference_types = Strings(a, "referenceTypes");
    s.indexed = a.value("indexed", false);
    if (a.contains("subAttributes")) {
      s.sub_attributes = ParseAttributes(a["subAttributes"]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

const AttributeSchema* AttributeSchema::FindSub(absl::string_view sub_name) const {
  return FindByName(sub_attributes, sub_name);
}

const AttributeSchema* Schema::Find(absl::string_view attribute) const {
  return FindByName(attributes, attribute);
}

SchemaRegistry::SchemaRegistry() {
  for (const Json& j : Json::parse(kCoreSchemas)) {
    Schema s;
    s.id = j.at("id").get<std::string>();
    s.name = j.value("name", "");
    s.description = j.value("description", "");
    s.attributes = ParseAttributes(j.at("attributes"));
    s.json = j;
    schemas_.push_back(std::move(s));
  }
  common_ = ParseAttributes(Json::parse(kCommonAttributes));
  resource_types_.push_back(
      {"User", "Users", "User Account",
       "urn:ietf:params:scim:schemas:core:2.0:User",
       {{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", false}},
       v1::User::descriptor()});
  resource_types_.push_back({"Group", "Groups", "Group",
                             "urn:ietf:params:scim:schemas:core:2.0:Group",
                             {},
                             v1::Group::descriptor()});
  for (ResourceTypeSchema& type : resource_types_) {
    type.registry = this;
    type.prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type.descriptor);
  }
}

std::unique_ptr<const SchemaRegistry> SchemaRegistry::Core() {
  return std::unique_ptr<const SchemaRegistry>(new SchemaRegistry());
}

const Schema* SchemaRegistry::FindSchema(absl::string_view urn) const {
  for (const Schema& s : schemas_) {
    if (absl::EqualsIgnoreCase(s.id, urn)) return &s;
  }
  return nullptr;
}

const ResourceTypeSchema* SchemaRegistry::FindResourceType(
    absl::string_view name) const {
  return FindByName(resource_types_, name);
}

const AttributeSchema* SchemaRegistry::FindCommon(absl::string_view name) const {
  return FindByName(common_, name);
}

}  // namespace scim
