// ResourceStore::DeleteTenant: erasing all of one tenant's data.
#include "identity-service/resource_store.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/change_events.h"
#include "identity-service/keys.h"
#include "identity-service/write_retry.h"

namespace scim::identity {

absl::StatusOr<int64_t> ResourceStore::DeleteTenant(
    absl::string_view tenant, const RequestContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  constexpr size_t kChunk = 5000;
  const std::string prefix = absl::StrCat(tenant, "/");
  int64_t deleted = 0;
  for (const char* cf : {kResourcesCf, kUniqueCf, kIndexCf, kMembersCf,
                         kMembersReverseCf, kTombstonesCf, kCountsCf}) {
    for (;;) {
      std::vector<std::string> keys;
      RETURN_IF_ERROR(kv_->Scan(cf, prefix, "",
                                [&](absl::string_view key, absl::string_view) {
                                  keys.emplace_back(key);
                                  return keys.size() < kChunk;
                                }));
      if (keys.empty()) break;
      RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
        for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(cf, key));
        return absl::OkStatus();
      }));
      // The counts are bookkeeping, not the tenant's data.
      if (std::string_view(cf) != kCountsCf) deleted += static_cast<int64_t>(keys.size());
    }
  }
  // Its events describe its data: they go too, but for the newest, which
  // keeps the numbering going for the tenant.deleted event after it.
  if (events_ != nullptr) RETURN_IF_ERROR(events_->DeleteTenantEvents(tenant));
  events::EventLog::Batch batch(events_);
  RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
    RETURN_IF_ERROR(outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant,
                                                      "tenant.purge", "Tenant", tenant,
                                                      context)));
    if (events_ == nullptr) return absl::OkStatus();
    return batch.Stage(txn, NewDirectoryEvent(tenant, "tenant.deleted", "Tenant", tenant,
                                              context, clock_->Now(), *ids_));
  }));
  batch.Done();
  outbox_->Committed();
  return deleted;
}

}  // namespace scim::identity
