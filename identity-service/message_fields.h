// Reflection on stored resources: new messages of a type, fields by SCIM
// name, string attributes and meta, whatever the resource's message.
#ifndef SCIM_IDENTITY_SERVICE_MESSAGE_FIELDS_H_
#define SCIM_IDENTITY_SERVICE_MESSAGE_FIELDS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "identity-service/resource_types.h"
#include "scim/v1/resources.pb.h"

namespace scim::identity {

// An empty message of `type`'s resource.
std::unique_ptr<google::protobuf::Message> NewMessage(const ResourceType& type);

// The field of `m` with that SCIM (JSON) name; null when there is none.
const google::protobuf::FieldDescriptor* Field(const google::protobuf::Message& m,
                                               absl::string_view name);

// A singular string attribute; the field must exist.
void SetString(google::protobuf::Message* m, absl::string_view name,
               const std::string& value);
std::string GetString(const google::protobuf::Message& m, absl::string_view name);

// Every resource message has `meta`.
v1::Meta* MutableMeta(google::protobuf::Message* m);
const v1::Meta& GetMeta(const google::protobuf::Message& m);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_MESSAGE_FIELDS_H_
