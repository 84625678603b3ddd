// The resource types the store serves (User, Group): which attributes have
// keys, which are edge-backed, which types keep tombstones.
#ifndef SCIM_IDENTITY_SERVICE_RESOURCE_TYPES_H_
#define SCIM_IDENTITY_SERVICE_RESOURCE_TYPES_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "scim/v1/resources.pb.h"

namespace scim::identity {

// A string, reference or dateTime attribute whose values are keys of the
// `index` column family, in the order SCIM compares them
// (index_encoding.h), so that eq, sw, gt, ge, lt and le read a key range.
struct IndexedAttribute {
  std::string path;  // canonical SCIM path, e.g. "emails.value"
  // Strings: as the schema says of the attribute (a mismatch leaves the
  // index unused by filters it cannot answer). Ignored for dateTime.
  bool case_exact = false;
};

// What the store needs to know of a resource type beyond its schema, which
// comes from the registry the store is given (ResourceStore::SchemaOf): which
// attributes have keys, edges, tombstones. Attribute paths are canonical SCIM
// paths (scim/attribute_resolver.h).
struct ResourceType {
  std::string name;         // meta.resourceType, e.g. "User"
  std::string endpoint;     // path segment, e.g. "Users"
  std::string core_schema;  // schema URN
  const google::protobuf::Descriptor* descriptor = nullptr;
  // Unique per tenant, compared case-insensitively: left empty here, the
  // schema's uniqueness fills it (schema_keys.h, ResourceStore::KeysOf).
  std::vector<std::string> unique;
  // Non-unique lookups and ranges answered from the `index` column family.
  // Changing this list makes the next start-up rebuild the entries of what
  // changed (ResourceStore::EnsureIndexes).
  std::vector<IndexedAttribute> indexed;
  // Group: this multi-valued attribute is held as membership edges
  // (identity-service/membership.h), not in the stored resource.
  std::string members_attribute;
  // User: this read-only attribute is derived from the reverse edges.
  std::string groups_attribute;
  // A soft delete keeps the resource as a tombstone (User).
  bool tombstones = false;
  // User: the boolean attribute of RFC 7643 §4.1.1 ("active"): a soft
  // delete clears it, a write that sets it revives a tombstone, events
  // report its changes as (de)activations. Empty: the type has no such state.
  std::string active_attribute;
};

const ResourceType& UserResourceType();
const ResourceType& GroupResourceType();

// The store's type of a resource message, for code generic over
// scim/resource_traits.h: ResourceTypeOf<v1::User>() is UserResourceType().
template <typename R>
const ResourceType& ResourceTypeOf();
template <>
inline const ResourceType& ResourceTypeOf<v1::User>() { return UserResourceType(); }
template <>
inline const ResourceType& ResourceTypeOf<v1::Group>() { return GroupResourceType(); }

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_RESOURCE_TYPES_H_
