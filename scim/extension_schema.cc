#include "scim/extension_schema.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "scim/json_parse.h"

namespace scim {
namespace {

constexpr const char* kTypeNames[] = {"string",   "boolean",   "decimal", "integer",
                                      "dateTime", "reference", "binary",  "complex"};
constexpr AttributeType kTypes[] = {AttributeType::kString,    AttributeType::kBoolean,
                                    AttributeType::kDecimal,   AttributeType::kInteger,
                                    AttributeType::kDateTime,  AttributeType::kReference,
                                    AttributeType::kBinary,    AttributeType::kComplex};

// URNs a tenant may never take: the core schemas, the enterprise extension,
// and the RFC's message and discovery namespaces.
constexpr const char* kReservedUrns[] = {
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
};
constexpr const char* kReservedUrnPrefixes[] = {
    "urn:ietf:params:scim:schemas:core:",
    "urn:ietf:params:scim:api:",
    // The enterprise User schema, and its attributes in the top-level
    // "urn:...:User:attr" form.
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
};

const std::set<std::string>& DocumentKeys() {
  static const auto* keys = new std::set<std::string>{
      "schemas", "id", "name", "description", "resourceType", "attributes", "meta"};
  return *keys;
}

const std::set<std::string>& AttributeKeys() {
  static const auto* keys = new std::set<std::string>{
      "name",       "type",       "multiValued",    "description", "required",
      "canonicalValues", "caseExact", "mutability", "returned",    "uniqueness",
      "referenceTypes",  "subAttributes", "indexed"};
  return *keys;
}

std::string Listed(const std::set<std::string>& keys) { return absl::StrJoin(keys, ", "); }

// Every key of `object` must be one of `allowed`.
absl::Status OnlyKeys(const Json& object, const std::set<std::string>& allowed,
                      absl::string_view where) {
  for (const auto& item : object.items()) {
    if (allowed.count(item.key()) == 0) {
      return InvalidValue(absl::StrCat("unknown key \"", item.key(), "\" in ", where,
                                       " (allowed: ", Listed(allowed), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status BoundedString(const Json& j, absl::string_view what, size_t max,
                           std::string* out) {
  if (!j.is_string()) return InvalidValue(absl::StrCat(what, " must be a string"));
  *out = j.get<std::string>();
  if (out->size() > max) {
    return InvalidValue(absl::StrCat(what, " is longer than ", max, " characters"));
  }
  return absl::OkStatus();
}

// RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.
bool IsAttributeName(absl::string_view name) {
  if (name.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// One characteristic whose value is one of `allowed` (exact case, as RFC
// 7643 §7 spells them); `fallback` when absent.
absl::Status Keyword(const Json& attribute, const char* key,
                     std::initializer_list<const char*> allowed, const char* fallback,
                     absl::string_view where, std::string* out) {
  if (!attribute.contains(key)) {
    *out = fallback;
    return absl::OkStatus();
  }
  const Json& j = attribute[key];
  if (j.is_string()) {
    *out = j.get<std::string>();
    for (const char* a : allowed) {
      if (*out == a) return absl::OkStatus();
    }
  }
  return InvalidValue(absl::StrCat(where, ": \"", key, "\" must be one of ",
                                   absl::StrJoin(allowed, ", ")));
}

absl::Status Boolean(const Json& attribute, const char* key, absl::string_view where,
                     bool* out) {
  *out = false;
  if (!attribute.contains(key)) return absl::OkStatus();
  if (!attribute[key].is_boolean()) {
    return InvalidValue(absl::StrCat(where, ": \"", key, "\" must be true or false"));
  }
  *out = attribute[key].get<bool>();
  return absl::OkStatus();
}

absl::Status StringList(const Json& attribute, const char* key, size_t max_items,
                        absl::string_view where, std::vector<std::string>* out) {
  if (!attribute.contains(key)) return absl::OkStatus();
  const Json& list = attribute[key];
  if (!list.is_array()) {
    return InvalidValue(absl::StrCat(where, ": \"", key, "\" must be an array of strings"));
  }
  if (list.size() > max_items) {
    return InvalidValue(absl::StrCat(where, ": \"", key, "\" has more than ", max_items,
                                     " values"));
  }
  for (const Json& v : list) {
    std::string s;
    RETURN_IF_ERROR(BoundedString(v, absl::StrCat(where, ": each of \"", key, "\""),
                                  kMaxSchemaShortText, &s));
    if (s.empty()) {
      return InvalidValue(absl::StrCat(where, ": \"", key, "\" holds an empty string"));
    }
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

// Validates one attribute declaration (`sub`: it is a sub-attribute) into
// its model and its canonical JSON.
absl::Status ParseAttribute(const Json& a, bool sub, absl::string_view parent,
                            size_t position, AttributeSchema* out, Json* canonical) {
  std::string where = sub ? absl::StrCat("sub-attribute ", position + 1, " of ", parent)
                          : absl::StrCat("attribute ", position + 1);
  if (!a.is_object()) return InvalidValue(absl::StrCat(where, " must be an object"));
  if (!a.contains("name")) return InvalidValue(absl::StrCat(where, " has no \"name\""));
  RETURN_IF_ERROR(BoundedString(a["name"], absl::StrCat(where, ": \"name\""),
                                kMaxAttributeNameLength, &out->name));
  if (!IsAttributeName(out->name)) {
    return InvalidValue(absl::StrCat(
        where, ": \"", out->name,
        "\" is not an attribute name (RFC 7643 §2.1: a letter, then letters, digits, "
        "'-' or '_')"));
  }
  where = sub ? absl::StrCat("attribute ", parent, ".", out->name)
              : absl::StrCat("attribute ", out->name);
  RETURN_IF_ERROR(OnlyKeys(a, AttributeKeys(), where));

  if (!a.contains("type")) return InvalidValue(absl::StrCat(where, " has no \"type\""));
  std::string type;
  RETURN_IF_ERROR(Keyword(a, "type", {"string", "boolean", "decimal", "integer", "dateTime",
                                      "reference", "binary", "complex"},
                          "string", where, &type));
  for (size_t i = 0; i < std::size(kTypeNames); ++i) {
    if (type == kTypeNames[i]) out->type = kTypes[i];
  }
  const bool complex = out->type == AttributeType::kComplex;
  if (complex && sub) {
    return InvalidValue(absl::StrCat(
        where, " is complex: sub-attributes cannot be complex (RFC 7643 §2.3.8)"));
  }
  RETURN_IF_ERROR(Boolean(a, "multiValued", where, &out->multi_valued));
  RETURN_IF_ERROR(Boolean(a, "required", where, &out->required));
  RETURN_IF_ERROR(Boolean(a, "caseExact", where, &out->case_exact));
  RETURN_IF_ERROR(Boolean(a, "indexed", where, &out->indexed));
  std::string description;
  if (a.contains("description")) {
    RETURN_IF_ERROR(BoundedString(a["description"], absl::StrCat(where, ": \"description\""),
                                  kMaxSchemaDescription, &description));
  }
  std::string mutability, returned;
  RETURN_IF_ERROR(Keyword(a, "mutability", {"readOnly", "readWrite", "immutable", "writeOnly"},
                          "readWrite", where, &mutability));
  RETURN_IF_ERROR(Keyword(a, "returned", {"always", "never", "default", "request"}, "default",
                          where, &returned));
  RETURN_IF_ERROR(Keyword(a, "uniqueness", {"none", "server", "global"}, "none", where,
                          &out->uniqueness));
  out->mutability = MutabilityOf(mutability);
  out->returned = ReturnedOf(returned);
  if (out->mutability == Mutability::kWriteOnly && out->returned != Returned::kNever) {
    return InvalidValue(absl::StrCat(
        where, " is writeOnly: its \"returned\" must be \"never\" (RFC 7643 §7)"));
  }
  RETURN_IF_ERROR(StringList(a, "canonicalValues", kMaxCanonicalValues, where,
                             &out->canonical_values));
  RETURN_IF_ERROR(StringList(a, "referenceTypes", kMaxReferenceTypes, where,
                             &out->reference_types));
  if (complex && !out->canonical_values.empty()) {
    return InvalidValue(absl::StrCat(where, " is complex: it takes no \"canonicalValues\""));
  }
  if (out->type != AttributeType::kReference && a.contains("referenceTypes")) {
    return InvalidValue(
        absl::StrCat(where, ": \"referenceTypes\" is only for attributes of type reference"));
  }
  for (const std::string& r : out->reference_types) {
    if (!IsAttributeName(r)) {
      return InvalidValue(absl::StrCat(where, ": reference type \"", r,
                                       "\" is not a resource type name, \"uri\" or "
                                       "\"external\""));
    }
  }
  if (complex && out->indexed) {
    return InvalidValue(absl::StrCat(
        where, " is complex: index its sub-attributes instead (\"indexed\" on them)"));
  }

  Json subs = Json::array();
  if (a.contains("subAttributes")) {
    if (!complex) {
      return InvalidValue(absl::StrCat(where, ": only complex attributes have \"subAttributes\""));
    }
    const Json& list = a["subAttributes"];
    if (!list.is_array()) {
      return InvalidValue(absl::StrCat(where, ": \"subAttributes\" must be an array"));
    }
    if (list.size() > kMaxSchemaSubAttributes) {
      return InvalidValue(absl::StrCat(where, " has more than ", kMaxSchemaSubAttributes,
                                       " sub-attributes (the limit)"));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      AttributeSchema child;
      Json child_json;
      RETURN_IF_ERROR(ParseAttribute(list[i], true, out->name, i, &child, &child_json));
      if (out->FindSub(child.name) != nullptr) {
        return InvalidValue(absl::StrCat(where, " declares the sub-attribute \"", child.name,
                                         "\" twice (names are case-insensitive)"));
      }
      out->sub_attributes.push_back(std::move(child));
      subs.push_back(std::move(child_json));
    }
  }
  if (complex && out->sub_attributes.empty()) {
    return InvalidValue(absl::StrCat(where, " is complex but declares no \"subAttributes\""));
  }

  // RFC 7643 §7 order; every characteristic present.
  *canonical = Json::object();
  (*canonical)["name"] = out->name;
  (*canonical)["type"] = type;
  (*canonical)["multiValued"] = out->multi_valued;
  (*canonical)["description"] = description;
  (*canonical)["required"] = out->required;
  if (!complex) {
    (*canonical)["canonicalValues"] = out->canonical_values;
    (*canonical)["caseExact"] = out->case_exact;
  }
  (*canonical)["mutability"] = mutability;
  (*canonical)["returned"] = returned;
  (*canonical)["uniqueness"] = out->uniqueness;
  if (out->type == AttributeType::kReference) {
    (*canonical)["referenceTypes"] = out->reference_types;
  }
  if (complex) (*canonical)["subAttributes"] = std::move(subs);
  (*canonical)["indexed"] = out->indexed;
  return absl::OkStatus();
}

bool HasPrefixIgnoreCase(absl::string_view s, absl::string_view prefix) {
  return s.size() >= prefix.size() && absl::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

}  // namespace

const char* AttributeTypeName(AttributeType type) {
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    if (kTypes[i] == type) return kTypeNames[i];
  }
  return "string";
}

absl::Status ValidateExtensionUrn(absl::string_view urn) {
  if (urn.size() > kMaxSchemaUrnLength) {
    return InvalidValue(absl::StrCat("a schema id is at most ", kMaxSchemaUrnLength,
                                     " characters"));
  }
  if (!HasPrefixIgnoreCase(urn, "urn:")) {
    return InvalidValue(absl::StrCat("schema id \"", urn, "\" is not a URN (urn:...)"));
  }
  for (char c : urn) {
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                    absl::string_view("-._:~!$&'()*+,;=@").find(c) != absl::string_view::npos;
    if (!ok) {
      return InvalidValue(absl::StrCat(
          "schema id \"", urn,
          "\" holds a character a schema URN may not (letters, digits and "
          "- . _ : ~ ! $ & ' ( ) * + , ; = @ only: no spaces, '/', '?', '#' or '%')"));
    }
  }
  if (absl::StrContains(urn, "::") || absl::EndsWith(urn, ":") || urn.size() <= 4) {
    return InvalidValue(absl::StrCat("schema id \"", urn, "\" has an empty part"));
  }
  for (const char* reserved : kReservedUrns) {
    if (absl::EqualsIgnoreCase(urn, reserved)) {
      return InvalidValue(absl::StrCat("schema id \"", urn,
                                       "\" is a standard schema: a tenant cannot redefine it"));
    }
  }
  for (const char* prefix : kReservedUrnPrefixes) {
    if (HasPrefixIgnoreCase(urn, prefix)) {
      return InvalidValue(absl::StrCat("schema id \"", urn, "\" is under ", prefix,
                                       ", which only the standard schemas use"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExtensionSchema> ParseExtensionSchema(absl::string_view json_text) {
  if (json_text.size() > kMaxSchemaDocumentBytes) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kTooLarge,
                     absl::StrCat("a schema document is at most ", kMaxSchemaDocumentBytes,
                                  " bytes (this one has ", json_text.size(), ")"));
  }
  ASSIGN_OR_RETURN(Json document, ParseJsonBounded(json_text, "the schema document"));
  return ExtensionSchemaFromJson(document);
}

absl::StatusOr<ExtensionSchema> ExtensionSchemaFromJson(const Json& doc) {
  if (!doc.is_object()) return InvalidValue("the schema document must be a JSON object");
  RETURN_IF_ERROR(OnlyKeys(doc, DocumentKeys(), "the schema document"));
  if (doc.contains("schemas")) {
    const Json& s = doc["schemas"];
    if (!s.is_array() || s.size() != 1 || !s[0].is_string() ||
        !absl::EqualsIgnoreCase(s[0].get<std::string>(), kSchemaSchemaUrn)) {
      return InvalidValue(absl::StrCat("\"schemas\" of a schema document, when given, must be [\"",
                                       kSchemaSchemaUrn, "\"]"));
    }
  }
  if (doc.contains("meta") && !doc["meta"].is_object()) {
    return InvalidValue("\"meta\" of a schema document must be an object (it is ignored)");
  }
  ExtensionSchema out;
  Schema& schema = out.schema;
  if (!doc.contains("id")) return InvalidValue("the schema document has no \"id\" (its URN)");
  RETURN_IF_ERROR(BoundedString(doc["id"], "\"id\"", kMaxSchemaUrnLength, &schema.id));
  RETURN_IF_ERROR(ValidateExtensionUrn(schema.id));
  if (doc.contains("name")) {
    RETURN_IF_ERROR(BoundedString(doc["name"], "\"name\"", kMaxSchemaShortText, &schema.name));
  }
  if (doc.contains("description")) {
    RETURN_IF_ERROR(BoundedString(doc["description"], "\"description\"", kMaxSchemaDescription,
                                  &schema.description));
  }
  if (!doc.contains("resourceType")) {
    return InvalidValue("the schema document has no \"resourceType\" (\"User\" or \"Group\": "
                        "the resource type it extends)");
  }
  const Json& type = doc["resourceType"];
  if (type.is_string() && absl::EqualsIgnoreCase(type.get<std::string>(), "User")) {
    out.resource_type = "User";
  } else if (type.is_string() && absl::EqualsIgnoreCase(type.get<std::string>(), "Group")) {
    out.resource_type = "Group";
  } else {
    return InvalidValue("\"resourceType\" must be \"User\" or \"Group\"");
  }
  if (!doc.contains("attributes") || !doc["attributes"].is_array()) {
    return InvalidValue("the schema document needs \"attributes\", an array");
  }
  const Json& attributes = doc["attributes"];
  if (attributes.size() > kMaxSchemaAttributes) {
    return InvalidValue(absl::StrCat("a schema declares at most ", kMaxSchemaAttributes,
                                     " attributes (this one ", attributes.size(), ")"));
  }
  Json canonical_attributes = Json::array();
  for (size_t i = 0; i < attributes.size(); ++i) {
    AttributeSchema a;
    Json canonical;
    RETURN_IF_ERROR(ParseAttribute(attributes[i], false, "", i, &a, &canonical));
    if (schema.Find(a.name) != nullptr) {
      return InvalidValue(absl::StrCat("the attribute \"", a.name,
                                       "\" is declared twice (names are case-insensitive)"));
    }
    schema.attributes.push_back(std::move(a));
    canonical_attributes.push_back(std::move(canonical));
  }
  schema.json = Json::object();
  schema.json["id"] = schema.id;
  schema.json["name"] = schema.name;
  schema.json["description"] = schema.description;
  schema.json["resourceType"] = out.resource_type;
  schema.json["attributes"] = std::move(canonical_attributes);
  return out;
}

const Json* FindAttributeJson(const Json& document, absl::string_view name) {
  if (!document.is_object() || !document.contains("attributes")) return nullptr;
  for (const Json& a : document["attributes"]) {
    if (a.is_object() && a.contains("name") && a["name"].is_string() &&
        absl::EqualsIgnoreCase(a["name"].get<std::string>(), name)) {
      return &a;
    }
  }
  return nullptr;
}

}  // namespace scim
