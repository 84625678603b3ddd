// Reading a stored resource, plain or locked for a write under If-Match.
#include "identity-service/stored_resource.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/if_match.h"
#include "identity-service/keys.h"
#include "identity-service/message_fields.h"

namespace scim::identity {

absl::Status ParseStored(const std::optional<std::string>& bytes,
                         const ResourceType& type, absl::string_view id,
                         google::protobuf::Message* out) {
  if (!bytes.has_value()) {
    return NotFound(absl::StrCat(type.name, " ", id, " not found"));
  }
  if (!out->ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("corrupt ", type.name, " ", id));
  }
  return absl::OkStatus();
}

absl::Status LoadForUpdate(KvTransaction& txn, const ResourceType& type,
                           absl::string_view tenant, absl::string_view id,
                           absl::string_view if_match,
                           google::protobuf::Message* out) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   txn.GetForUpdate(kResourcesCf,
                                    ResourceKey(tenant, type.name, id)));
  RETURN_IF_ERROR(ParseStored(bytes, type, id, out));
  const std::string& version = GetMeta(*out).version();
  if (!IfMatchAccepts(if_match, version)) return PreconditionFailed(version);
  return absl::OkStatus();
}

}  // namespace scim::identity
