// Server-managed parts of a resource: readOnly clearing, schemas, changes.
#include "identity-service/server_managed.h"

#include <memory>

#include "absl/strings/match.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "identity-service/message_fields.h"

namespace scim::identity {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void ClearReadOnly(const std::vector<AttributeSchema>& attrs, Message* m) {
  const auto* r = m->GetReflection();
  for (const AttributeSchema& a : attrs) {
    const FieldDescriptor* f = Field(*m, a.name);
    if (f == nullptr) continue;
    if (a.mutability == Mutability::kReadOnly) {
      r->ClearField(m, f);
      continue;
    }
    if (a.sub_attributes.empty() || f->message_type() == nullptr) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*m, f); ++i) {
        ClearReadOnly(a.sub_attributes, r->MutableRepeatedMessage(m, f, i));
      }
    } else if (r->HasField(*m, f)) {
      ClearReadOnly(a.sub_attributes, r->MutableMessage(m, f));
    }
  }
}

}  // namespace

void ClearReadOnly(const ResourceTypeSchema& type, Message* m) {
  const SchemaRegistry& registry = *type.registry;
  ClearReadOnly(registry.common_attributes(), m);
  if (const Schema* core = registry.FindSchema(type.schema)) {
    ClearReadOnly(core->attributes, m);
  }
  for (const SchemaExtension& ext : type.extensions) {
    const Schema* s = registry.FindSchema(ext.schema);
    const FieldDescriptor* c = Field(*m, ext.schema);
    if (s != nullptr && c != nullptr && m->GetReflection()->HasField(*m, c)) {
      ClearReadOnly(s->attributes, m->GetReflection()->MutableMessage(m, c));
    }
  }
}

void SetSchemas(const ResourceType& type, Message* m) {
  const auto* r = m->GetReflection();
  const FieldDescriptor* schemas = Field(*m, "schemas");
  r->ClearField(m, schemas);
  r->AddString(m, schemas, type.core_schema);
  const auto* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (absl::StartsWith(f->json_name(), "urn:") && !f->is_repeated() &&
        r->HasField(*m, f)) {
      r->AddString(m, schemas, f->json_name());
    }
  }
}

std::vector<std::string> ChangedAttributes(const Message* before,
                                           const Message& after) {
  std::vector<std::string> changed;
  const auto* d = after.GetDescriptor();
  std::unique_ptr<Message> empty(after.New());
  if (before == nullptr) before = empty.get();
  google::protobuf::util::MessageDifferencer differencer;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string& name = f->json_name();
    if (name == "meta" || name == "schemas" || name == "id") continue;
    if (!differencer.CompareWithFields(*before, after, {f}, {f})) {
      changed.push_back(name);
    }
  }
  return changed;
}

}  // namespace scim::identity
