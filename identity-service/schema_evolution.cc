#include "identity-service/schema_evolution.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "scim/json_codec.h"
#include "scim/v1/resources.pb.h"

namespace scim::identity {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

absl::Status Refused(absl::string_view scim_type, absl::string_view detail) {
  return ScimError(absl::StatusCode::kFailedPrecondition, scim_type, detail);
}

// The attributes of a canonical document (our own text: it parses).
std::vector<AttributeSchema> AttributesOf(const Json& document) {
  if (!document.is_object() || !document.contains("attributes")) return {};
  return ParseAttributes(document["attributes"]);
}

const AttributeSchema* FindByName(const std::vector<AttributeSchema>& list,
                                  absl::string_view name) {
  for (const AttributeSchema& a : list) {
    if (absl::EqualsIgnoreCase(a.name, name)) return &a;
  }
  return nullptr;
}

// Why stored values of `before` may contradict `after` ("" when they cannot).
std::string Tightening(const AttributeSchema& before, const AttributeSchema& after,
                       absl::string_view prefix) {
  std::vector<std::string> reasons;
  if (before.type != after.type) {
    reasons.push_back(absl::StrCat(prefix, "type ", AttributeTypeName(before.type), " -> ",
                                   AttributeTypeName(after.type)));
  }
  if (before.multi_valued && !after.multi_valued) {
    reasons.push_back(absl::StrCat(prefix, "multi-valued -> single-valued"));
  }
  if (!before.required && after.required) reasons.push_back(absl::StrCat(prefix, "now required"));
  if (before.type == AttributeType::kComplex && after.type == AttributeType::kComplex) {
    for (const AttributeSchema& sub : after.sub_attributes) {
      const AttributeSchema* old_sub = before.FindSub(sub.name);
      if (old_sub == nullptr) {
        if (sub.required) reasons.push_back(absl::StrCat("new required sub-attribute ", sub.name));
        continue;
      }
      std::string why = Tightening(*old_sub, sub, absl::StrCat(sub.name, ": "));
      if (!why.empty()) reasons.push_back(std::move(why));
    }
  }
  return absl::StrJoin(reasons, ", ");
}

// The number of `path` under `parent` (0: top level), assigning one for
// `type` when it has none, or retiring the one it has for another type.
int32_t AssignField(v1::StoredSchema& record, const std::string& path, int32_t parent,
                    const std::string& type) {
  int32_t greatest = 0;
  for (v1::SchemaAttributeField& f : *record.mutable_fields()) {
    if (f.parent() != parent) continue;
    greatest = std::max(greatest, f.number());
    if (f.retired() || f.path() != path) continue;
    if (f.type() == type) return f.number();
    f.set_retired(true);
  }
  v1::SchemaAttributeField* f = record.add_fields();
  f->set_path(path);
  f->set_number(greatest + 1);
  f->set_type(type);
  f->set_parent(parent);
  return f->number();
}

const Value* FindValue(const Struct& s, absl::string_view name) {
  auto exact = s.fields().find(std::string(name));
  if (exact != s.fields().end()) return &exact->second;
  for (const auto& [key, value] : s.fields()) {
    if (absl::EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

bool IsAbsent(const Value& v) {
  return v.kind_case() == Value::KIND_NOT_SET || v.kind_case() == Value::kNullValue ||
         (v.kind_case() == Value::kListValue && v.list_value().values_size() == 0);
}

bool ElementContradicts(const Value& v, const AttributeSchema& d) {
  if (v.kind_case() == Value::kNullValue || v.kind_case() == Value::KIND_NOT_SET) return false;
  switch (d.type) {
    case AttributeType::kString:
    case AttributeType::kReference:
      return v.kind_case() != Value::kStringValue;
    case AttributeType::kBinary: {
      std::string ignored;
      return v.kind_case() != Value::kStringValue ||
             !absl::Base64Unescape(v.string_value(), &ignored);
    }
    case AttributeType::kBoolean:
      return v.kind_case() != Value::kBoolValue;
    case AttributeType::kDecimal:
      return v.kind_case() != Value::kNumberValue;
    case AttributeType::kInteger:
      return v.kind_case() != Value::kNumberValue || !std::isfinite(v.number_value()) ||
             std::trunc(v.number_value()) != v.number_value();
    case AttributeType::kDateTime: {
      absl::Time t;
      std::string err;
      return v.kind_case() != Value::kStringValue ||
             !absl::ParseTime(absl::RFC3339_full, v.string_value(), &t, &err);
    }
    case AttributeType::kComplex: {
      if (v.kind_case() != Value::kStructValue) return true;
      for (const AttributeSchema& sub : d.sub_attributes) {
        const Value* sv = FindValue(v.struct_value(), sub.name);
        if (sv == nullptr || IsAbsent(*sv)) {
          if (sub.required) return true;
          continue;
        }
        if (Contradicts(*sv, sub)) return true;
      }
      return false;
    }
  }
  return false;
}

template <typename Map>
const Struct* FindExtension(const Map& extensions, absl::string_view urn) {
  auto exact = extensions.find(std::string(urn));
  if (exact != extensions.end()) return &exact->second;
  for (const auto& [key, value] : extensions) {
    if (absl::EqualsIgnoreCase(key, urn)) return &value;
  }
  return nullptr;
}

}  // namespace

bool Contradicts(const Value& value, const AttributeSchema& declaration) {
  if (value.kind_case() == Value::kListValue) {
    if (value.list_value().values_size() == 0) return false;
    if (!declaration.multi_valued) return true;
    for (const Value& element : value.list_value().values()) {
      if (element.kind_case() == Value::kListValue) return true;
      if (ElementContradicts(element, declaration)) return true;
    }
    return false;
  }
  // A single value of a multi-valued attribute reads as a list of one.
  return ElementContradicts(value, declaration);
}

bool ResourceContradicts(const Struct* extension, const DataCheck& check) {
  const Value* value = extension == nullptr ? nullptr : FindValue(*extension, check.attribute);
  const bool carries = extension != nullptr && extension->fields_size() > 0;
  if (value == nullptr || IsAbsent(*value)) return check.declaration.required && carries;
  return check.any_value || Contradicts(*value, check.declaration);
}

absl::StatusOr<EvolutionPlan> PlanEvolution(const v1::StoredSchema* prior,
                                            const ExtensionSchema& next) {
  EvolutionPlan plan;
  v1::StoredSchema& record = plan.record;
  if (prior != nullptr) record = *prior;
  const std::string document = next.schema.json.dump();
  if (prior != nullptr) {
    if (prior->resource_type() != next.resource_type) {
      return Refused(scim_type::kMutability,
                     absl::StrCat("schema ", prior->urn(), " extends ", prior->resource_type(),
                                  ": the resource type it extends cannot change (use "
                                  "another URN)"));
    }
    if (!prior->deleted() && prior->document_json() == document) {
      plan.unchanged = true;
      return plan;
    }
  }
  const Json prior_document =
      prior == nullptr ? Json::object() : Json::parse(prior->document_json(), nullptr, false);
  const std::vector<AttributeSchema> visible = AttributesOf(prior_document);
  std::vector<AttributeSchema> hidden;
  for (const v1::HiddenAttribute& h : record.hidden_attributes()) {
    const Json declaration = Json::parse(h.declaration_json(), nullptr, false);
    if (!declaration.is_object()) continue;
    std::vector<AttributeSchema> parsed = ParseAttributes(Json::array({declaration}));
    hidden.push_back(std::move(parsed[0]));
  }

  for (size_t i = 0; i < next.schema.attributes.size(); ++i) {
    const AttributeSchema& a = next.schema.attributes[i];
    const AttributeSchema* before = FindByName(visible, a.name);
    const bool was_hidden = before == nullptr && (before = FindByName(hidden, a.name)) != nullptr;
    if (before == nullptr) {
      plan.changed_attributes.push_back(a.name);
      if (a.required) plan.checks.push_back({a.name, a, "new and required"});
      continue;
    }
    std::string why = Tightening(*before, a, "");
    const Json* old_json = FindAttributeJson(prior_document, a.name);
    if (was_hidden || old_json == nullptr || *old_json != next.schema.json["attributes"][i]) {
      plan.changed_attributes.push_back(a.name);
    }
    const bool now_unique = a.uniqueness != "none" && (was_hidden || before->uniqueness == "none");
    if (now_unique) why = why.empty() ? "now unique" : absl::StrCat(why, ", now unique");
    if (!why.empty()) {
      if (was_hidden) why = absl::StrCat("hidden, put back with ", why);
      plan.checks.push_back({a.name, a, std::move(why), now_unique});
    }
  }

  // Hidden: what was hidden and stays out, and what this version removes.
  google::protobuf::RepeatedPtrField<v1::HiddenAttribute> still_hidden;
  for (const v1::HiddenAttribute& h : record.hidden_attributes()) {
    if (next.schema.Find(h.name()) == nullptr) *still_hidden.Add() = h;
  }
  for (const AttributeSchema& a : visible) {
    if (next.schema.Find(a.name) != nullptr) continue;
    plan.changed_attributes.push_back(a.name);
    v1::HiddenAttribute* h = still_hidden.Add();
    h->set_name(a.name);
    if (const Json* j = FindAttributeJson(prior_document, a.name); j != nullptr) {
      h->set_declaration_json(j->dump());
    }
  }
  *record.mutable_hidden_attributes() = std::move(still_hidden);

  for (const AttributeSchema& a : next.schema.attributes) {
    const std::string path = absl::AsciiStrToLower(a.name);
    const int32_t number = AssignField(record, path, 0, AttributeTypeName(a.type));
    for (const AttributeSchema& sub : a.sub_attributes) {
      AssignField(record, absl::StrCat(path, ".", absl::AsciiStrToLower(sub.name)), number,
                  AttributeTypeName(sub.type));
    }
  }
  if (record.fields_size() > kMaxSchemaFields) {
    return Refused(scim_type::kInvalidValue,
                   absl::StrCat("schema ", next.schema.id, " has changed attribute types too "
                                "often (", kMaxSchemaFields,
                                " field numbers assigned over its life): use another URN"));
  }
  record.set_urn(next.schema.id);
  record.set_resource_type(next.resource_type);
  record.set_document_json(document);
  record.set_deleted(false);
  return plan;
}

absl::StatusOr<std::vector<int64_t>> CountContradictions(
    KvStore& kv, absl::string_view tenant, absl::string_view resource_type,
    absl::string_view urn, const std::vector<DataCheck>& checks, int64_t max_scan,
    bool* complete, const ResourceTypeSchema* current) {
  std::vector<int64_t> counts(checks.size(), 0);
  // Typed values: the schema's field in the tenant's message, read as JSON
  // (what the checks judge) into a Struct.
  const google::protobuf::FieldDescriptor* typed =
      current == nullptr ? nullptr : FindFieldByScimName(current->descriptor, urn);
  std::unique_ptr<google::protobuf::Message> tenant_message(
      typed == nullptr ? nullptr : current->prototype->New());
  Struct typed_values;
  *complete = true;
  int64_t scanned = 0;
  bool corrupt = false;
  v1::User user;
  v1::Group group;
  const bool users = resource_type == "User";
  // Bounded by the tenant's size (and by max_scan): one pass over its
  // resources of the type, every check evaluated on each.
  RETURN_IF_ERROR(kv.Scan(
      kResourcesCf, ResourcePrefix(tenant, resource_type), "",
      [&](absl::string_view, absl::string_view bytes) {
        if (scanned >= max_scan) {
          *complete = false;
          return false;
        }
        ++scanned;
        const Struct* extension = nullptr;
        if (users) {
          user.Clear();
          corrupt |= !user.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
          extension = FindExtension(user.extensions(), urn);
        } else {
          group.Clear();
          corrupt |= !group.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
          extension = FindExtension(group.extensions(), urn);
        }
        if (typed != nullptr) {
          tenant_message->Clear();
          corrupt |= !tenant_message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
          const auto* r = tenant_message->GetReflection();
          if (r->HasField(*tenant_message, typed)) {
            google::protobuf::Value value;
            JsonToValue(EncodeResource(r->GetMessage(*tenant_message, typed)), &value);
            typed_values = value.struct_value();
            extension = &typed_values;
          }
        }
        for (size_t i = 0; i < checks.size(); ++i) {
          if (ResourceContradicts(extension, checks[i])) ++counts[i];
        }
        return true;
      }));
  if (corrupt) {
    return absl::DataLossError(absl::StrCat("a stored ", resource_type, " of tenant ", tenant,
                                            " does not parse"));
  }
  return counts;
}

absl::Status RefuseContradicted(absl::string_view resource_type,
                                const std::vector<DataCheck>& checks,
                                const std::vector<int64_t>& counts, bool complete) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < checks.size() && i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    parts.push_back(absl::StrCat("attribute ", checks[i].attribute, " (", checks[i].reason,
                                 "): ", complete ? "" : "at least ", counts[i], " stored ",
                                 resource_type, counts[i] == 1 ? " contradicts" : "s contradict",
                                 " it"));
  }
  if (parts.empty()) return absl::OkStatus();
  return Refused(scim_type::kInvalidValue,
                 absl::StrCat("schema change refused while stored data contradicts it: ",
                              absl::StrJoin(parts, "; "),
                              ". Change or remove those values first, or declare a new "
                              "attribute instead"));
}

const v1::SchemaAttributeField* FindField(const v1::StoredSchema& record,
                                          absl::string_view attribute, absl::string_view sub) {
  const std::string top = absl::AsciiStrToLower(attribute);
  const v1::SchemaAttributeField* parent = nullptr;
  for (const v1::SchemaAttributeField& f : record.fields()) {
    if (f.parent() == 0 && !f.retired() && f.path() == top) parent = &f;
  }
  if (parent == nullptr || sub.empty()) return parent;
  const std::string path = absl::StrCat(top, ".", absl::AsciiStrToLower(sub));
  for (const v1::SchemaAttributeField& f : record.fields()) {
    if (f.parent() == parent->number() && !f.retired() && f.path() == path) return &f;
  }
  return nullptr;
}

}  // namespace scim::identity
