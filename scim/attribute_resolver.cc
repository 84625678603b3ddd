#include "scim/attribute_resolver.h"

#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace scim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::Status Unknown(const char* scim_type, const AttributePath& path,
                     absl::string_view why) {
  return ScimError(absl::StatusCode::kInvalidArgument, scim_type,
                   absl::StrCat("'", path.ToString(), "' ", why));
}

// Fills `out` from `attribute` (a member of `schema_attrs`) and its field in
// `descriptor`.
absl::Status Bind(const AttributeSchema* attribute, const Descriptor* descriptor,
                  const AttributePath& path, const char* scim_type,
                  ResolvedAttribute* out) {
  const FieldDescriptor* field =
      FindFieldByScimName(descriptor, attribute->name);
  if (field == nullptr) return Unknown(scim_type, path, "is not stored");
  out->attribute = attribute;
  out->fields.push_back(field);
  absl::StrAppend(&out->canonical, attribute->name);
  if (path.sub_attribute.empty()) return absl::OkStatus();
  if (attribute->type != AttributeType::kComplex) {
    return Unknown(scim_type, path,
                   absl::StrCat(": '", attribute->name,
                                "' has no sub-attributes"));
  }
  const AttributeSchema* sub = attribute->FindSub(path.sub_attribute);
  const FieldDescriptor* sub_field =
      sub == nullptr || field->message_type() == nullptr
          ? nullptr
          : FindFieldByScimName(field->message_type(), sub->name);
  if (sub_field == nullptr) {
    return Unknown(scim_type, path,
                   absl::StrCat(": '", attribute->name,
                                "' has no sub-attribute '",
                                path.sub_attribute, "'"));
  }
  out->sub = sub;
  out->fields.push_back(sub_field);
  absl::StrAppend(&out->canonical, ".", sub->name);
  return absl::OkStatus();
}

}  // namespace

bool ResolvedAttribute::multi_valued() const {
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) return true;
  }
  return false;
}

absl::StatusOr<ResolvedAttribute> ResolvePath(const ResolveScope& scope,
                                              const AttributePath& path,
                                              const char* scim_type) {
  ResolvedAttribute out;
  if (scope.parent != nullptr) {
    // Inside `emails[...]`: names are the parent's sub-attributes.
    const AttributeSchema* sub = scope.parent->FindSub(path.attribute);
    if (!path.urn.empty() || !path.sub_attribute.empty() || sub == nullptr) {
      return Unknown(scim_type, path,
                     absl::StrCat("is not a sub-attribute of '",
                                  scope.parent->name, "'"));
    }
    RETURN_IF_ERROR(Bind(sub, scope.parent_descriptor, path, scim_type, &out));
    return out;
  }
  const ResourceTypeSchema& type = *scope.resource_type;
  const SchemaRegistry& registry = *type.registry;
  const Descriptor* descriptor = type.descriptor;
  const Schema* schema = registry.FindSchema(type.schema);
  if (!path.urn.empty()) {
    const std::string full = absl::StrCat(path.urn, ":", path.attribute);
    for (const SchemaExtension& ext : type.extensions) {
      const FieldDescriptor* container = FindFieldByScimName(descriptor, ext.schema);
      if (container == nullptr) continue;
      if (absl::EqualsIgnoreCase(full, ext.schema) && path.sub_attribute.empty()) {
        out.extension = container;
        out.fields.push_back(container);
        out.canonical = ext.schema;
        return out;
      }
      if (absl::EqualsIgnoreCase(path.urn, ext.schema)) {
        const Schema* ext_schema = registry.FindSchema(ext.schema);
        const AttributeSchema* attribute =
            ext_schema == nullptr ? nullptr : ext_schema->Find(path.attribute);
        if (attribute == nullptr) {
          return Unknown(scim_type, path,
                         absl::StrCat("is not an attribute of ", ext.schema));
        }
        out.fields.push_back(container);
        out.canonical = absl::StrCat(ext.schema, ":");
        RETURN_IF_ERROR(Bind(attribute, container->message_type(), path,
                             scim_type, &out));
        return out;
      }
    }
    if (!absl::EqualsIgnoreCase(path.urn, type.schema)) {
      return Unknown(scim_type, path,
                     absl::StrCat("names a schema that ", type.name,
                                  " resources do not have"));
    }
  }
  const AttributeSchema* attribute = registry.FindCommon(path.attribute);
  if (attribute == nullptr && schema != nullptr) {
    attribute = schema->Find(path.attribute);
  }
  if (attribute == nullptr) {
    return Unknown(scim_type, path,
                   absl::StrCat("is not an attribute of ", type.name));
  }
  RETURN_IF_ERROR(Bind(attribute, descriptor, path, scim_type, &out));
  return out;
}

absl::StatusOr<ResolvedAttribute> ResolvePathText(
    const ResourceTypeSchema& type, absl::string_view text,
    const char* scim_type) {
  absl::StatusOr<AttributePath> path = ParseAttributePath(text);
  if (!path.ok()) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type,
                     path.status().message());
  }
  if (path->value_filter != nullptr) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type,
                     absl::StrCat("'", text, "' may not have a value filter here"));
  }
  return ResolvePath({&type, nullptr, nullptr}, *path, scim_type);
}

namespace {

void Collect(const Message& message, const ResolvedAttribute& resolved,
             size_t depth, std::vector<LeafValue>* out) {
  const FieldDescriptor* field = resolved.fields[depth];
  const auto* r = message.GetReflection();
  const bool last = depth + 1 == resolved.fields.size();
  if (field->is_repeated()) {
    const int n = r->FieldSize(message, field);
    for (int i = 0; i < n; ++i) {
      if (last) {
        out->push_back({&message, field, i});
      } else {
        Collect(r->GetRepeatedMessage(message, field, i), resolved, depth + 1, out);
      }
    }
    return;
  }
  if (!r->HasField(message, field)) return;
  if (last) {
    out->push_back({&message, field, -1});
  } else {
    Collect(r->GetMessage(message, field), resolved, depth + 1, out);
  }
}

}  // namespace

Scalar ReadScalar(const LeafValue& leaf) {
  const Message& m = *leaf.owner;
  const auto* r = m.GetReflection();
  const FieldDescriptor* f = leaf.field;
  const int i = leaf.index;
  Scalar out;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      out.kind = Scalar::Kind::kString;
      out.s = i >= 0 ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out.kind = Scalar::Kind::kBool;
      out.b = i >= 0 ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      out.kind = Scalar::Kind::kInt;
      out.i = i >= 0 ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out.kind = Scalar::Kind::kInt;
      out.i = i >= 0 ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      out.kind = Scalar::Kind::kDouble;
      out.d = i >= 0 ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub =
          i >= 0 ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
      if (sub.GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
        const auto* sr = sub.GetReflection();
        const auto* sd = sub.GetDescriptor();
        out.kind = Scalar::Kind::kTime;
        out.t = absl::FromUnixSeconds(
                    sr->GetInt64(sub, sd->FindFieldByName("seconds"))) +
                absl::Nanoseconds(sr->GetInt32(sub, sd->FindFieldByName("nanos")));
      } else {
        out.kind = Scalar::Kind::kMessage;
      }
      break;
    }
    default:
      out.kind = Scalar::Kind::kMessage;
  }
  return out;
}

std::vector<LeafValue> ValuesAt(const Message& message,
                                const ResolvedAttribute& resolved) {
  std::vector<LeafValue> out;
  if (!resolved.fields.empty()) Collect(message, resolved, 0, &out);
  return out;
}

absl::StatusOr<std::vector<std::string>> StringValuesAt(
    const ResourceTypeSchema& type, const Message& resource,
    absl::string_view path) {
  ASSIGN_OR_RETURN(ResolvedAttribute resolved,
                   ResolvePathText(type, path, scim_type::kInvalidPath));
  if (resolved.fields.empty() ||
      resolved.fields.back()->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidPath,
                     absl::StrCat("'", path, "' is not a string attribute of ",
                                  type.name));
  }
  std::vector<std::string> out;
  for (const LeafValue& leaf : ValuesAt(resource, resolved)) {
    out.push_back(ReadScalar(leaf).s);
  }
  return out;
}

}  // namespace scim
