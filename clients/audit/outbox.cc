#include "clients/audit/outbox.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/audit/outbox_shipper.h"
#include "common/metrics.h"
#include "common/status.h"

namespace scim::audit {
namespace {

std::string OutboxKey(uint64_t sequence) {
  return absl::StrFormat("%020u", sequence);
}

prometheus::Gauge* DepthGauge(const std::string& name) {
  static auto& family = prometheus::BuildGauge()
                            .Name("scim_audit_outbox_depth")
                            .Help("Audit events waiting to be shipped")
                            .Register(MetricsRegistry());
  return &family.Add({{"outbox", name}});
}

prometheus::Counter* OutboxCounter(const std::string& metric,
                                   const std::string& help,
                                   const std::string& name) {
  static absl::Mutex mu;
  static auto* families =
      new std::map<std::string, prometheus::Family<prometheus::Counter>*>();
  absl::MutexLock lock(&mu);
  auto& family = (*families)[metric];
  if (family == nullptr) {
    family = &prometheus::BuildCounter().Name(metric).Help(help).Register(
        MetricsRegistry());
  }
  return &family->Add({{"outbox", name}});
}

}  // namespace

Outbox::Outbox(KvStore* store, std::string cf, const std::string& name,
               size_t max_depth)
    : store_(store),
      cf_(std::move(cf)),
      max_depth_(max_depth),
      depth_gauge_(DepthGauge(name)),
      rejected_writes_(OutboxCounter(
          "scim_audit_outbox_rejected_writes_total",
          "Writes refused because the audit backlog was full", name)),
      shipping_failures(OutboxCounter("scim_audit_shipping_failures_total",
                                      "Failed deliveries to audit-service",
                                      name)) {
  uint64_t last = 0;
  size_t depth = 0;
  (void)store_->Scan(cf_, "", "",
                     [&](absl::string_view key, absl::string_view) {
                       uint64_t seq = 0;
                       if (absl::SimpleAtoi(key, &seq)) last = std::max(last, seq);
                       ++depth;
                       return true;
                     });
  next_sequence_ = last + 1;
  depth_ = depth;
  depth_gauge_->Set(static_cast<double>(depth));
}

Outbox::~Outbox() { StopShipping(absl::ZeroDuration()); }

absl::Status Outbox::CheckCapacity() const {
  if (depth_ < max_depth_) return absl::OkStatus();
  rejected_writes_->Increment();
  return absl::UnavailableError(absl::StrCat(
      "the audit backlog is full (", depth_.load(),
      " events waiting for audit-service); writes resume once it drains"));
}

absl::Status Outbox::Add(KvTransaction& txn, const v1::AuditEvent& event) {
  return txn.Put(cf_, OutboxKey(next_sequence_++), event.SerializeAsString());
}

void Outbox::Committed(size_t added) {
  depth_ += added;
  depth_gauge_->Set(static_cast<double>(depth_.load()));
  absl::MutexLock lock(&shipper_mu_);
  if (shipper_) shipper_->Wake();
}

void Outbox::StartShipping(std::unique_ptr<AuditSink> sink, Clock* clock) {
  sink_ = std::move(sink);
  auto shipper = std::make_unique<OutboxShipper>(this, sink_.get(), clock);
  shipper->Start();
  absl::MutexLock lock(&shipper_mu_);
  shipper_ = std::move(shipper);
}

void Outbox::StopShipping(absl::Duration drain) {
  std::unique_ptr<OutboxShipper> shipper;
  {
    absl::MutexLock lock(&shipper_mu_);
    shipper = std::move(shipper_);
  }
  if (shipper) shipper->Stop(drain);
}

absl::Status Outbox::Peek(size_t max, std::vector<std::string>* keys,
                          std::vector<v1::AuditEvent>* events, bool from_start) {
  std::string start;
  if (!from_start) {
    absl::MutexLock lock(&resume_mu_);
    // The least key above the last one removed.
    if (!last_removed_.empty()) start = absl::StrCat(last_removed_, std::string(1, '\0'));
  }
  absl::Status parse_status;
  RETURN_IF_ERROR(store_->Scan(
      cf_, "", start, [&](absl::string_view key, absl::string_view value) {
        v1::AuditEvent event;
        if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_status = absl::DataLossError("corrupt outbox event");
          return false;
        }
        keys->emplace_back(key);
        events->push_back(std::move(event));
        return keys->size() < max;
      }));
  return parse_status;
}

absl::Status Outbox::Remove(const std::vector<std::string>& keys) {
  // Unsynced: the events are already in the audit store, durably; should
  // a power loss drop this removal, they are shipped again and the audit
  // store drops the repeats by event id.
  RETURN_IF_ERROR(RunInTransaction(
      *store_,
      [&](KvTransaction& txn) {
        for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(cf_, key));
        return absl::OkStatus();
      },
      Durability::kUnsynced));
  if (!keys.empty()) {
    absl::MutexLock lock(&resume_mu_);
    last_removed_ = std::max(last_removed_,
                             *std::max_element(keys.begin(), keys.end()));
    removed_since_compaction_ += keys.size();
  }
  depth_ -= std::min(depth_.load(), keys.size());
  depth_gauge_->Set(static_cast<double>(depth_.load()));
  return absl::OkStatus();
}

absl::Status Outbox::CompactRemoved() {
  std::string end;
  {
    absl::MutexLock lock(&resume_mu_);
    if (compacted_since_start_ &&
        (removed_since_compaction_ == 0 || removed_since_compaction_ < compact_after_)) {
      return absl::OkStatus();
    }
    // The first time, the whole outbox: what the removals of an earlier run
    // left behind (all of it, after a restart following an import).
    if (compacted_since_start_) end = absl::StrCat(last_removed_, std::string(1, '\0'));
    compacted_since_start_ = true;
    removed_since_compaction_ = 0;
  }
  // Events that commit late below `end` are kept: compaction drops only
  // what was deleted.
  return store_->Compact(cf_, "", end);
}

}  // namespace scim::audit
