// Reading a stored resource: absent is NOT_FOUND, unparsable is DATA_LOSS;
// for a write, read under the key's lock and checked against If-Match.
#ifndef SCIM_IDENTITY_SERVICE_STORED_RESOURCE_H_
#define SCIM_IDENTITY_SERVICE_STORED_RESOURCE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "identity-service/resource_types.h"
#include "storage/kv_store.h"

namespace scim::identity {

// `bytes` as read for `id`: absent = 404.
absl::Status ParseStored(const std::optional<std::string>& bytes,
                         const ResourceType& type, absl::string_view id,
                         google::protobuf::Message* out);

// The start of every update and delete: reads and locks the stored resource
// and checks If-Match against it, inside the write's transaction.
absl::Status LoadForUpdate(KvTransaction& txn, const ResourceType& type,
                           absl::string_view tenant, absl::string_view id,
                           absl::string_view if_match,
                           google::protobuf::Message* out);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_STORED_RESOURCE_H_
