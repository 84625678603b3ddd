// What only the server writes in a resource: readOnly attributes cleared
// from input, `schemas` derived from the values, and the changed-attribute
// list of the audit event.
#ifndef SCIM_IDENTITY_SERVICE_SERVER_MANAGED_H_
#define SCIM_IDENTITY_SERVICE_SERVER_MANAGED_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "identity-service/resource_types.h"
#include "scim/schema.h"

namespace scim::identity {

// Clears readOnly attributes and sub-attributes by the schemas (RFC 7643 §7:
// "SHALL be ignored"), core and extensions.
void ClearReadOnly(const ResourceTypeSchema& type, google::protobuf::Message* m);

// schemas = core schema + the URN of every extension that has a value.
void SetSchemas(const ResourceType& type, google::protobuf::Message* m);

// Top-level attributes whose values differ (names only: never values);
// `before` null = everything set in `after`. meta, schemas and id are left
// out: they change with every write.
std::vector<std::string> ChangedAttributes(const google::protobuf::Message* before,
                                           const google::protobuf::Message& after);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_SERVER_MANAGED_H_
