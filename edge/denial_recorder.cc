#include "edge/denial_recorder.h"

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
      thread_([this] { Run(); }) {}

DenialRecorder::~DenialRecorder() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
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
}

size_t DenialRecorder::pending() {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void DenialRecorder::Run() {
  absl::Duration backoff = absl::Milliseconds(50);
  absl::Time stop_deadline = absl::InfiniteFuture();
  for (;;) {
    std::vector<v1::AuditEvent> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(500));
      if (stop_ && stop_deadline == absl::InfiniteFuture()) {
        stop_deadline = absl::Now() + absl::Seconds(1);
      }
      if (queue_.empty() || absl::Now() > stop_deadline) {
        if (stop_) return;
        continue;
      }
      for (size_t i = 0; i < queue_.size() && i < 256; ++i) {
        batch.push_back(queue_[i]);
      }
    }
    absl::Status status = sink_->Append(batch);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      // Only this thread removes, so the front is still this batch.
      queue_.erase(queue_.begin(), queue_.begin() + batch.size());
      backoff = absl::Milliseconds(50);
      continue;
    }
    LogWarning("cannot record denied requests in the audit log; will retry",
               {{"error", status.ToString()}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

}  // namespace scim::edge
