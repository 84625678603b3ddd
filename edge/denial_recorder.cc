#include "edge/denial_recorder.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/metrics.h"
#include "prometheus/counter.h"

namespace scim::edge {

DenialRecorder::DenialRecorder(std::unique_ptr<audit::AuditSink> sink,
                               Clock* clock, RandomSource* random,
                               size_t max_pending)
    : sink_(std::move(sink)),
      clock_(clock),
      random_(random),
      max_pending_(max_pending),
      worker_("audit-denials", clock, [this] { return Step(); }) {
  worker_.Start();
}

DenialRecorder::~DenialRecorder() {
  worker_.Stop();
  const absl::Time deadline = clock_->Now() + absl::Seconds(1);
  while (clock_->Now() < deadline && ShipBatch()) {
  }
}

namespace {

prometheus::Counter& DroppedDenials() {
  static auto& counter =
      prometheus::BuildCounter()
          .Name("scim_audit_denials_dropped_total")
          .Help("Refused requests not recorded: the edge's queue was full")
          .Register(MetricsRegistry())
          .Add({});
  return counter;
}

}  // namespace

void DenialRecorder::Record(const std::string& tenant, int http_status,
                            const std::string& detail,
                            const audit::EventContext& context) {
  v1::AuditEvent event = audit::NewEvent(*clock_, *random_, tenant,
                                         "request.denied", "", "", context);
  event.set_outcome(absl::StrCat("denied: ", http_status, " ", detail));
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= max_pending_) {
    ++dropped_;
    DroppedDenials().Increment();
    return;
  }
  queue_.push_back(std::move(event));
  worker_.Wake();
}

size_t DenialRecorder::pending() {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

bool DenialRecorder::ShipBatch() {
  std::vector<v1::AuditEvent> batch;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < queue_.size() && i < 256; ++i) {
      batch.push_back(queue_[i]);
    }
  }
  if (batch.empty()) return false;
  absl::Status status = sink_->Append(batch);
  if (!status.ok()) {
    LogWarning("cannot record denied requests in the audit log; will retry",
               {{"error", status.ToString()}});
    return false;
  }
  absl::MutexLock lock(&mu_);
  // Only one thread ships at a time, so the front is still this batch.
  queue_.erase(queue_.begin(), queue_.begin() + batch.size());
  return true;
}

PeriodicWorker::Wait DenialRecorder::Step() {
  if (ShipBatch()) {
    backoff_ = absl::Milliseconds(50);
    return PeriodicWorker::Wait::None();
  }
  if (pending() == 0) return PeriodicWorker::Wait::For(absl::Milliseconds(500));
  const absl::Duration wait = backoff_;
  backoff_ = std::min(backoff_ * 2, absl::Seconds(2));
  return PeriodicWorker::Wait::Backoff(wait);
}

}  // namespace scim::edge
