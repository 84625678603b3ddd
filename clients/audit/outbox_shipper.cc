#include "clients/audit/outbox_shipper.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"

namespace scim::audit {

OutboxShipper::OutboxShipper(Outbox* outbox, AuditSink* sink, Clock* clock)
    : outbox_(outbox),
      sink_(sink),
      clock_(clock),
      worker_("audit-shipper", clock, [this] { return Step(); }) {}

OutboxShipper::~OutboxShipper() { Stop(absl::ZeroDuration()); }

void OutboxShipper::Start() { worker_.Start(); }

void OutboxShipper::Stop(absl::Duration drain) {
  worker_.Stop();
  // Whatever committed late goes in the drain too.
  next_full_scan_ = absl::InfinitePast();
  absl::Time deadline = absl::Now() + drain;
  while (absl::Now() < deadline) {
    auto shipped = ShipOnce();
    if (!shipped.ok() || *shipped == 0) break;
  }
}

absl::StatusOr<size_t> OutboxShipper::ShipOnce() {
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  const absl::Time now = clock_->Now();
  const bool from_start = now >= next_full_scan_;
  if (from_start) next_full_scan_ = now + kFullScanInterval;
  RETURN_IF_ERROR(outbox_->Peek(kBatch, &keys, &events, from_start));
  if (!events.empty()) {
    RETURN_IF_ERROR(sink_->Append(events));
    RETURN_IF_ERROR(outbox_->Remove(keys));
  }
  if (events.size() < kBatch) {
    // Caught up: a good time to clear what the removals left behind.
    if (absl::Status compacted = outbox_->CompactRemoved(); !compacted.ok()) {
      LogWarning("could not compact the audit outbox", {{"error", compacted.ToString()}});
    }
  }
  return events.size();
}

PeriodicWorker::Wait OutboxShipper::Step() {
  auto shipped = ShipOnce();
  if (!shipped.ok()) {
    outbox_->shipping_failures->Increment();
    if (!reported_) {
      LogWarning("audit shipping failed; events stay in the outbox",
                 {{"error", shipped.status().ToString()},
                  {"outbox_depth", absl::StrCat(outbox_->Depth())}});
      reported_ = true;
    }
    const absl::Duration wait = backoff_;
    backoff_ = std::min(backoff_ * 2, absl::Seconds(2));
    return PeriodicWorker::Wait::Backoff(wait);
  }
  if (reported_) LogInfo("audit shipping resumed");
  reported_ = false;
  backoff_ = absl::Milliseconds(50);
  if (*shipped == 0) return PeriodicWorker::Wait::For(absl::Milliseconds(500));
  if (*shipped < kBatch) return PeriodicWorker::Wait::Gather(kGather);
  return PeriodicWorker::Wait::None();
}

}  // namespace scim::audit
