// The audit outbox: where a mutation puts its audit event inside its own
// transaction, so that no acknowledged change lacks its event. The shipper
// (outbox_shipper.h) forwards it to audit-service.
#ifndef SCIM_CLIENTS_AUDIT_OUTBOX_H_
#define SCIM_CLIENTS_AUDIT_OUTBOX_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "clients/audit/audit_sink.h"
#include "clients/audit/event_context.h"
#include "common/clock.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "scim/v1/audit.pb.h"
#include "storage/kv_store.h"

namespace scim::audit {

class OutboxShipper;

class Outbox {
 public:
  // Pending events beyond which writes are refused: with audit-service gone
  // for long, failing closed beats changes nobody can account for.
  static constexpr size_t kDefaultMaxDepth = 1000000;

  // `cf` is the outbox column family of `store`; `name` labels its metrics
  // (scim_audit_outbox_depth{outbox="identity"}). Continues the sequence
  // after whatever the outbox still holds.
  Outbox(KvStore* store, std::string cf, const std::string& name = "outbox",
         size_t max_depth = kDefaultMaxDepth);
  ~Outbox();

  // UNAVAILABLE while the backlog is at its bound; call before a mutation.
  absl::Status CheckCapacity() const;
  // Adds `event` to `txn`; it becomes visible to the shipper on commit.
  absl::Status Add(KvTransaction& txn, const v1::AuditEvent& event);
  // Call after a transaction with `added` events committed: counts them and
  // wakes the shipper.
  void Committed(size_t added = 1);

  // Reads up to `max` pending events, oldest first, with their keys. It
  // starts after the last key Remove()d: scanning from the start would step
  // over the deletion marker of every event shipped since the last flush,
  // on every batch. But sequences are handed out before commit, so an event
  // can commit below one already shipped; `from_start` scans the whole
  // outbox, which finds it (the shipper asks for that now and then).
  absl::Status Peek(size_t max, std::vector<std::string>* keys,
                    std::vector<v1::AuditEvent>* events, bool from_start = false);
  absl::Status Remove(const std::vector<std::string>& keys);
  // Once `compact_after` events were removed since it last did: compacts
  // the outbox up to the last key removed (KvStore::Compact), so that the
  // scans from the start stop stepping over their deletion markers. Without
  // it, after an import of a million users those markers sat in the
  // memtable until the next flush and each scan from the start stepped over
  // all of them. The first call after start compacts the whole outbox (an
  // earlier run's markers). The shipper calls it whenever it has caught up.
  absl::Status CompactRemoved();
  static constexpr size_t kDefaultCompactAfter = 100000;
  void set_compact_after(size_t n) { compact_after_ = n; }
  // Events waiting to be shipped.
  size_t Depth() const { return depth_; }

  // Ships to `sink` in the background (waiting on `clock`) until
  // StopShipping().
  void StartShipping(std::unique_ptr<AuditSink> sink, Clock* clock);
  // Ships what it can within `drain`, then stops the shipper.
  void StopShipping(absl::Duration drain = absl::Seconds(2));

 private:
  KvStore* store_;
  const std::string cf_;
  const size_t max_depth_;
  std::atomic<uint64_t> next_sequence_{1};
  std::atomic<size_t> depth_{0};
  // The greatest key Remove()d ("" before any): where Peek resumes.
  absl::Mutex resume_mu_;
  std::string last_removed_ ABSL_GUARDED_BY(resume_mu_);
  size_t removed_since_compaction_ ABSL_GUARDED_BY(resume_mu_) = 0;
  bool compacted_since_start_ ABSL_GUARDED_BY(resume_mu_) = false;
  std::atomic<size_t> compact_after_{kDefaultCompactAfter};
  std::unique_ptr<AuditSink> sink_;
  // Written by Start/StopShipping, read by every commit.
  absl::Mutex shipper_mu_;
  std::unique_ptr<OutboxShipper> shipper_ ABSL_GUARDED_BY(shipper_mu_);
  prometheus::Gauge* depth_gauge_;
  prometheus::Counter* rejected_writes_;

 public:
  prometheus::Counter* const shipping_failures;
};

}  // namespace scim::audit

#endif  // SCIM_CLIENTS_AUDIT_OUTBOX_H_
