// A resource's entries in the `unique` and `index` column families (layout:
// keys.h), kept in step with the resource inside its write's transaction.
#ifndef SCIM_IDENTITY_SERVICE_KEY_INDEX_H_
#define SCIM_IDENTITY_SERVICE_KEY_INDEX_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "identity-service/resource_types.h"
#include "scim/schema.h"
#include "storage/kv_store.h"

namespace scim::identity {

// Moves `id`'s keys from `old_resource`'s values to `new_resource`'s (either
// may be null: create, delete). A unique value held by another id is
// checked under its key's lock, so the uniqueness holds at commit.
absl::Status WriteKeys(const ResourceType& type, const ResourceTypeSchema& schema,
                       absl::string_view tenant,
                       absl::string_view id,
                       const google::protobuf::Message* old_resource,
                       const google::protobuf::Message* new_resource,
                       KvTransaction& txn);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_KEY_INDEX_H_
