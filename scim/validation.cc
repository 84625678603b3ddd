#include "scim/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "scim/attribute_resolver.h"
#include "scim/json_codec.h"
#include "scim/limits.h"

namespace scim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

bool HasValue(const Message& m, const FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  if (f->is_repeated()) return r->FieldSize(m, f) > 0;
  if (!r->HasField(m, f)) return false;
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    return !absl::StripAsciiWhitespace(r->GetString(m, f)).empty();
  }
  return true;
}

absl::Status CheckCanonical(const AttributeSchema& a, const Message& m,
                            const FieldDescriptor* f, const std::string& path) {
  if (a.canonical_values.empty() ||
      f->cpp_type() != FieldDescriptor::CPPTYPE_STRING || f->is_repeated() ||
      !m.GetReflection()->HasField(m, f)) {
    return absl::OkStatus();
  }
  const std::string value = m.GetReflection()->GetString(m, f);
  for (const auto& c : a.canonical_values) {
    if (absl::EqualsIgnoreCase(c, value)) return absl::OkStatus();
  }
  return InvalidValue(absl::StrCat("attribute '", path, "' must be one of ",
                                   absl::StrJoin(a.canonical_values, ", "),
                                   "; got \"", value, "\""));
}

absl::Status ValidateAttributes(const std::vector<AttributeSchema>& attrs,
                                const Message& m, const std::string& prefix,
                                const ValidationOptions& options) {
  const Descriptor* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (const AttributeSchema& a : attrs) {
    const FieldDescriptor* f = FindFieldByScimName(d, a.name);
    if (f == nullptr) continue;
    const std::string path = absl::StrCat(prefix, a.name);
    if (a.required && a.mutability != Mutability::kReadOnly && !HasValue(m, f)) {
      return InvalidValue(absl::StrCat("required attribute '", path,
                                       "' is missing or empty"));
    }
    if (options.enforce_canonical_values) {
      RETURN_IF_ERROR(CheckCanonical(a, m, f, path));
    }
    if (f->is_repeated() && r->FieldSize(m, f) > kMaxMultiValues) {
      return InvalidValue(absl::StrCat("attribute '", path, "' has ",
                                       r->FieldSize(m, f), " values; at most ",
                                       kMaxMultiValues, " are allowed (the limit)"));
    }
    if (a.type != AttributeType::kComplex || f->message_type() == nullptr) continue;
    if (!f->is_repeated()) {
      if (r->HasField(m, f)) {
        RETURN_IF_ERROR(ValidateAttributes(a.sub_attributes, r->GetMessage(m, f),
                                           path + ".", options));
      }
      continue;
    }
    const FieldDescriptor* primary = f->message_type()->FindFieldByName("primary");
    int primaries = 0;
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      const Message& e = r->GetRepeatedMessage(m, f, i);
      if (primary != nullptr && e.GetReflection()->GetBool(e, primary)) ++primaries;
      RETURN_IF_ERROR(ValidateAttributes(a.sub_attributes, e,
                                         absl::StrCat(path, "[", i, "]."), options));
    }
    if (primaries > 1) {
      return InvalidValue(absl::StrCat("attribute '", path, "' has ", primaries,
                                       " values with \"primary\": true; at most "
                                       "one may be primary"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateResource(const ResourceTypeSchema& type, const Message& resource,
                              const ValidationOptions& options) {
  const SchemaRegistry& registry = *type.registry;
  if (const Schema* core = registry.FindSchema(type.schema)) {
    RETURN_IF_ERROR(ValidateAttributes(core->attributes, resource, "", options));
  }
  for (const SchemaExtension& ext : type.extensions) {
    const Schema* s = registry.FindSchema(ext.schema);
    const FieldDescriptor* c = FindFieldByScimName(type.descriptor, ext.schema);
    if (s == nullptr || c == nullptr) continue;
    const auto* r = resource.GetReflection();
    if (!r->HasField(resource, c)) {
      if (ext.required) {
        return InvalidValue(absl::StrCat("the extension ", ext.schema, " is required"));
      }
      continue;
    }
    RETURN_IF_ERROR(ValidateAttributes(s->attributes, r->GetMessage(resource, c),
                                       absl::StrCat(ext.schema, ":"), options));
  }
  return absl::OkStatus();
}

namespace {

// Whether `f` holds the same value in `a` and `b`.
bool SameField(const Message& a, const Message& b, const FieldDescriptor* f) {
  std::unique_ptr<Message> only_a(a.New()), only_b(b.New());
  std::vector<const FieldDescriptor*> fields{f};
  only_a->CopyFrom(a);
  only_b->CopyFrom(b);
  for (Message* m : {only_a.get(), only_b.get()}) {
    const Descriptor* d = m->GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i) != f) m->GetReflection()->ClearField(m, d->field(i));
    }
  }
  return google::protobuf::util::MessageDifferencer::Equals(*only_a, *only_b);
}

}  // namespace

absl::Status CheckImmutable(const std::vector<AttributeSchema>& attributes,
                            const Message& stored, const Message& replacement,
                            const std::string& prefix) {
  const auto* r = stored.GetReflection();
  for (const AttributeSchema& a : attributes) {
    const FieldDescriptor* f = FindFieldByScimName(stored.GetDescriptor(), a.name);
    if (f == nullptr || f->is_repeated() || !HasValue(stored, f)) continue;
    const std::string path = absl::StrCat(prefix, a.name);
    if (a.mutability == Mutability::kImmutable) {
      if (!SameField(stored, replacement, f)) {
        return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kMutability,
                         absl::StrCat("attribute '", path,
                                      "' is immutable: a replacement must send its current value"));
      }
    } else if (f->message_type() != nullptr && !a.sub_attributes.empty()) {
      RETURN_IF_ERROR(CheckImmutable(a.sub_attributes, r->GetMessage(stored, f),
                                     r->GetMessage(replacement, f), path + "."));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckImmutable(const ResourceTypeSchema& type, const Message& stored,
                            const Message& replacement) {
  const SchemaRegistry& registry = *type.registry;
  if (const Schema* core = registry.FindSchema(type.schema)) {
    RETURN_IF_ERROR(CheckImmutable(core->attributes, stored, replacement));
  }
  for (const SchemaExtension& ext : type.extensions) {
    const Schema* s = registry.FindSchema(ext.schema);
    const FieldDescriptor* c = FindFieldByScimName(type.descriptor, ext.schema);
    if (s == nullptr || c == nullptr) continue;
    const auto* r = stored.GetReflection();
    if (!r->HasField(stored, c)) continue;
    RETURN_IF_ERROR(CheckImmutable(s->attributes, r->GetMessage(stored, c),
                                   r->GetMessage(replacement, c),
                                   absl::StrCat(ext.schema, ":")));
  }
  return absl::OkStatus();
}

}  // namespace scim
