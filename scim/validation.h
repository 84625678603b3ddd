// Validation of a resource against its schemas on write (RFC 7643 §2, §7):
// required attributes, at most one `primary` per multi-valued attribute and,
// in strict mode, canonical values. Types are checked while decoding JSON
// (scim/json_codec.h); readOnly values are dropped by the store.
#ifndef SCIM_SCIM_VALIDATION_H_
#define SCIM_SCIM_VALIDATION_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "scim/schema.h"

namespace scim {

struct ValidationOptions {
  // Values outside an attribute's canonicalValues are a 400 (RFC 7643 lets a
  // service provider accept others, and IdPs do send them, so only on a
  // tenant's strict setting).
  bool enforce_canonical_values = false;
};

absl::Status ValidateResource(const ResourceTypeSchema& type,
                              const google::protobuf::Message& resource,
                              const ValidationOptions& options = {});

// RFC 7644 §3.5.1 (PUT): an immutable attribute that already has a value
// must be sent with that same value; else 400 mutability. Elements of
// multi-valued attributes (Group members) are added or removed whole, never
// changed, so only singular attributes are compared.
absl::Status CheckImmutable(const ResourceTypeSchema& type,
                            const google::protobuf::Message& stored,
                            const google::protobuf::Message& replacement);
// The same over one attribute list (`prefix` names the path so far).
absl::Status CheckImmutable(const std::vector<AttributeSchema>& attributes,
                            const google::protobuf::Message& stored,
                            const google::protobuf::Message& replacement,
                            const std::string& prefix = "");

}  // namespace scim

#endif  // SCIM_SCIM_VALIDATION_H_
