// RFC 7643 writeOnly attributes (mutability "writeOnly", as password is, or
// a tenant's own PIN): found from the schema, never by name. The store keeps
// them hashed (password_hash.h), never returns them, and keeps them through
// a PUT that leaves them out (RFC 7644 §3.5.1 says so of password).
#ifndef SCIM_IDENTITY_SERVICE_WRITE_ONLY_H_
#define SCIM_IDENTITY_SERVICE_WRITE_ONLY_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "scim/schema.h"

namespace scim::identity {

// A singular string attribute's fields, from the resource down (one, or two
// for an extension schema's attribute).
using WriteOnlyPath = std::vector<const google::protobuf::FieldDescriptor*>;

// The writeOnly singular string attributes of `type` and its extensions.
std::vector<WriteOnlyPath> WriteOnlyPaths(const ResourceTypeSchema& type);

bool HasAt(const google::protobuf::Message& m, const WriteOnlyPath& path);
std::string GetAt(const google::protobuf::Message& m, const WriteOnlyPath& path);
void SetAt(google::protobuf::Message* m, const WriteOnlyPath& path, const std::string& value);
void ClearAt(google::protobuf::Message* m, const WriteOnlyPath& path);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_WRITE_ONLY_H_
