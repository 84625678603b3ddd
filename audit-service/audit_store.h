// The append-only, hash-chained, per-tenant event log, over a KvStore.
//
//   events       {tenant}/{20-digit sequence}  -> scim.v1.AuditEvent
//   event_ids    {event id}                    -> events key (idempotency)
//   heads        {tenant}                      -> "{sequence}:{hex hash}"
//   checkpoints  {tenant}                      -> scim.v1.Checkpoint
//
// Each tenant's events form a chain: event n carries hash(n-1) and its own
// hash over its canonical bytes, so any edit, insertion or deletion breaks
// the chain at the first event touched. Pruned prefixes leave a checkpoint
// signed with audit-service's Ed25519 key.
#ifndef SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
#define SCIM_AUDIT_SERVICE_AUDIT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/signing_key.h"
#include "scim/v1/audit.pb.h"
#include "storage/kv_store.h"

namespace scim::audit {

const std::vector<std::string>& ColumnFamilies();
// The layout of this service's database (DataFormat, storage/kv_store.h):
// raise it, with a migration, when the layout changes incompatibly.
inline constexpr int kDataFormat = 1;

// SHA-256(prev_hash || canonical bytes of `event` with `hash` cleared).
std::string ChainHash(const v1::AuditEvent& event);
// The bytes a checkpoint's signature covers.
std::string CheckpointMessage(const v1::Checkpoint& checkpoint);

class AuditStore {
 public:
  AuditStore(KvStore* kv, const SigningKey* signer, Clock* clock);

  // Appends the events not seen before (by id), in the given order; returns
  // how many were new. All or nothing.
  absl::StatusOr<int> Append(const std::vector<v1::AuditEvent>& events);
  // The newest `limit` events of `tenant`, oldest first.
  absl::StatusOr<std::vector<v1::AuditEvent>> Tail(absl::string_view tenant,
                                                   int limit);
  absl::StatusOr<v1::QueryResponse> Query(const v1::QueryRequest& request);
  absl::StatusOr<v1::VerifyResponse> Verify(absl::string_view tenant);
  absl::StatusOr<v1::PruneResponse> Prune(absl::string_view tenant,
                                          absl::Time before);
  // Tenants that have a log.
  absl::StatusOr<std::vector<std::string>> Tenants();

  // Waits until `tenant`'s log has an event after `after_sequence`, or
  // `timeout` passes. Returns whether it has.
  bool WaitForEvents(absl::string_view tenant, uint64_t after_sequence,
                     absl::Duration timeout);

 private:
  absl::StatusOr<uint64_t> LastSequence(absl::string_view tenant);

  KvStore* kv_;
  const SigningKey* signer_;
  Clock* clock_;
  absl::Mutex append_mu_;
  uint64_t appends_ ABSL_GUARDED_BY(append_mu_) = 0;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
