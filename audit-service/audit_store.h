// The append-only per-tenant event log, over a KvStore.
//
//   events     {tenant}/{20-digit sequence}  -> scim.v1.AuditEvent
//   event_ids  {event id}                    -> events key (idempotency)
//   heads      {tenant}                      -> last sequence
#ifndef SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
#define SCIM_AUDIT_SERVICE_AUDIT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scim/v1/audit.pb.h"
#include "storage/kv_store.h"

namespace scim::audit {

const std::vector<std::string>& ColumnFamilies();

class AuditStore {
 public:
  explicit AuditStore(KvStore* kv) : kv_(kv) {}

  // Appends the events not seen before (by id), in the given order; returns
  // how many were new. All or nothing.
  absl::StatusOr<int> Append(const std::vector<v1::AuditEvent>& events);
  // The newest `limit` events of `tenant`, oldest first.
  absl::StatusOr<std::vector<v1::AuditEvent>> Tail(absl::string_view tenant,
                                                   int limit);

 private:
  KvStore* kv_;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
