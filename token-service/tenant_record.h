// token-service's records that belong to one tenant (API keys, OAuth
// clients, setup links), read for a change: one rule for "not yours".
#ifndef SCIM_TOKEN_SERVICE_TENANT_RECORD_H_
#define SCIM_TOKEN_SERVICE_TENANT_RECORD_H_

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "storage/kv_store.h"

namespace scim::token {

// The record `id` in `cf`, read (and locked) in `txn`. Another tenant's
// record is as unknown as a missing one: NOT_FOUND "no <what> '<id>' in
// tenant '<tenant>'" for both.
template <typename R>
absl::StatusOr<R> GetTenantRecordForUpdate(KvTransaction& txn, absl::string_view cf,
                                           absl::string_view id, absl::string_view tenant,
                                           absl::string_view what) {
  ASSIGN_OR_RETURN(auto bytes, txn.GetForUpdate(cf, id));
  R record;
  if (bytes.has_value()) {
    ASSIGN_OR_RETURN(record, ParseRecord<R>(*bytes));
  }
  if (!bytes.has_value() || record.tenant() != tenant) {
    return NotFound(absl::StrCat("no ", what, " '", id, "' in tenant '", tenant, "'"));
  }
  return record;
}

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_TENANT_RECORD_H_
