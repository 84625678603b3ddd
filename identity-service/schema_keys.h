// Unique keys and index entries from the schemas: an attribute declared
// "uniqueness": "server" (or "global") is unique per tenant (userName, a
// group's displayName, or a tenant's own attribute), and a tenant's custom
// attribute declared "indexed": true gets index entries the query planner
// reads. The store runs requests with the types so extended
// (ResourceStore::KeysOf).
//
// A custom index is used only once its entries are complete: its ready
// marker lives under the tenant ("{tenant}/~ready/{type}/{path}"), so that
// deleting the tenant deletes it; ResourceStore::BuildTenantIndexes writes
// the entries of existing resources, online.
#ifndef SCIM_IDENTITY_SERVICE_SCHEMA_KEYS_H_
#define SCIM_IDENTITY_SERVICE_SCHEMA_KEYS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "identity-service/resource_types.h"
#include "scim/schema.h"

namespace scim::identity {

// `base` plus the unique attributes `schema` and its extensions declare, and
// the indexed ones of a tenant's extensions (paths "userName",
// "urn:...:attr" or "urn:...:attr.sub").
ResourceType WithSchemaKeys(const ResourceType& base, const ResourceTypeSchema& schema);

// Whether `path` is a custom attribute's (its index is per tenant).
bool IsCustomPath(absl::string_view path);

inline constexpr char kTenantIndexReadyInfix[] = "/~ready/";
// The ready marker of a tenant's custom index.
std::string TenantIndexReadyKey(absl::string_view tenant, absl::string_view type,
                                absl::string_view path);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_SCHEMA_KEYS_H_
