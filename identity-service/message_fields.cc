// Reflection on stored resources: messages, fields by SCIM name, meta.
#include "identity-service/message_fields.h"

#include "scim/json_codec.h"

namespace scim::identity {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::unique_ptr<Message> NewMessage(const ResourceType& type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type.descriptor)
          ->New());
}

const FieldDescriptor* Field(const Message& m, absl::string_view name) {
  return FindFieldByScimName(m.GetDescriptor(), name);
}

void SetString(Message* m, absl::string_view name, const std::string& value) {
  m->GetReflection()->SetString(m, Field(*m, name), value);
}

std::string GetString(const Message& m, absl::string_view name) {
  return m.GetReflection()->GetString(m, Field(m, name));
}

v1::Meta* MutableMeta(Message* m) {
  return static_cast<v1::Meta*>(
      m->GetReflection()->MutableMessage(m, Field(*m, "meta")));
}

const v1::Meta& GetMeta(const Message& m) {
  return static_cast<const v1::Meta&>(
      m.GetReflection()->GetMessage(m, Field(m, "meta")));
}

}  // namespace scim::identity
