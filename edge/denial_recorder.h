// Records the requests the edge refuses (401, 403, later 429) in the tenant's
// audit log.
//
// Unlike mutations these are not acknowledged writes, so a bounded in-memory
// queue shipped in the background is enough: it retries while audit-service
// is away and, when full, drops new denials and counts them (a flood of bad
// credentials must not exhaust the edge's memory).
#ifndef SCIM_EDGE_DENIAL_RECORDER_H_
#define SCIM_EDGE_DENIAL_RECORDER_H_

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "clients/audit/audit_sink.h"
#include "clients/audit/event_context.h"
#include "common/periodic_worker.h"

namespace scim::edge {

class DenialRecorder {
 public:
  DenialRecorder(std::unique_ptr<audit::AuditSink> sink, Clock* clock,
                 RandomSource* random, size_t max_pending = 10000);
  ~DenialRecorder();  // ships what it can for up to a second of `clock`

  // Queues a "request.denied" event for `tenant`.
  void Record(const std::string& tenant, int http_status,
              const std::string& detail, const audit::EventContext& context);
  size_t dropped() const { return dropped_; }
  size_t pending();

 private:
  // Ships one batch; the worker's wait before the next.
  PeriodicWorker::Wait Step();
  // Ships up to 256 queued events; false if there were none or the sink
  // refused them.
  bool ShipBatch();

  std::unique_ptr<audit::AuditSink> sink_;
  Clock* clock_;
  RandomSource* random_;
  const size_t max_pending_;
  std::atomic<size_t> dropped_{0};
  absl::Mutex mu_;
  std::deque<v1::AuditEvent> queue_ ABSL_GUARDED_BY(mu_);
  absl::Duration backoff_ = absl::Milliseconds(50);  // the worker's only
  PeriodicWorker worker_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_DENIAL_RECORDER_H_
