// Delivers an outbox to audit-service at least once, in order, retrying with
// backoff while audit-service is unreachable.
#ifndef SCIM_CLIENTS_AUDIT_OUTBOX_SHIPPER_H_
#define SCIM_CLIENTS_AUDIT_OUTBOX_SHIPPER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/audit/audit_sink.h"
#include "clients/audit/outbox.h"
#include "common/clock.h"
#include "common/periodic_worker.h"

namespace scim::audit {

class OutboxShipper {
 public:
  // How often ShipOnce reads from the start of the outbox rather than after
  // the last event shipped (Outbox::Peek): about how long an event that
  // committed after a later one was shipped waits for its turn.
  static constexpr absl::Duration kFullScanInterval = absl::Seconds(1);
  // Events shipped per Append at most.
  static constexpr size_t kBatch = 256;
  // After a shipment of less than a batch, how long new events gather
  // before the next: under a stream of writes, one Append (a synced write
  // in the audit store) then carries many of them instead of one or two.
  static constexpr absl::Duration kGather = absl::Milliseconds(20);

  OutboxShipper(Outbox* outbox, AuditSink* sink, Clock* clock);
  ~OutboxShipper();
  void Start();
  // New events were committed.
  void Wake() { worker_.Wake(); }
  // Stops the background loop, then ships what it can within `drain`.
  void Stop(absl::Duration drain = absl::Seconds(2));
  // Ships one batch now; returns how many events were delivered.
  absl::StatusOr<size_t> ShipOnce();

 private:
  PeriodicWorker::Wait Step();

  Outbox* outbox_;
  AuditSink* sink_;
  Clock* clock_;
  // When ShipOnce next reads from the start of the outbox. ShipOnce runs on
  // the worker's thread, or on Stop()'s once the worker has stopped.
  absl::Time next_full_scan_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::Milliseconds(50);
  bool reported_ = false;  // the current outage is already logged
  PeriodicWorker worker_;
};

}  // namespace scim::audit

#endif  // SCIM_CLIENTS_AUDIT_OUTBOX_SHIPPER_H_
