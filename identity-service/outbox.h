// The audit outbox: every mutation puts its event here inside its own
// transaction, so no acknowledged change lacks its event; the shipper
// forwards events to audit-service and deletes them once acknowledged.
#ifndef SCIM_IDENTITY_SERVICE_OUTBOX_H_
#define SCIM_IDENTITY_SERVICE_OUTBOX_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "scim/v1/audit.grpc.pb.h"
#include "storage/kv_store.h"

namespace scim::identity {

class Outbox {
 public:
  // Continues the sequence after whatever the outbox still holds.
  explicit Outbox(KvStore* store);

  // Adds `event` to `txn`; it becomes visible to the shipper on commit.
  absl::Status Add(KvTransaction& txn, const v1::AuditEvent& event);

  // Reads up to `max` pending events, oldest first, with their keys.
  absl::Status Peek(size_t max, std::vector<std::string>* keys,
                    std::vector<v1::AuditEvent>* events);
  absl::Status Remove(const std::vector<std::string>& keys);
  // Events waiting to be shipped (a scan: for tests and metrics).
  size_t Depth();

  // Wakes a waiting shipper early (called after a commit).
  void Notify();
  // Waits up to `timeout` for Notify().
  void WaitForWork(absl::Duration timeout);

 private:
  KvStore* store_;
  std::atomic<uint64_t> next_sequence_{1};
  absl::Mutex mu_;
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
};

// Something that accepts batches of events (audit-service over gRPC).
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual absl::Status Append(const std::vector<v1::AuditEvent>& events) = 0;
};

// AuditSink over an AuditService stub, authenticated with the admin token.
std::unique_ptr<AuditSink> NewGrpcAuditSink(
    std::shared_ptr<v1::AuditService::StubInterface> stub,
    std::string admin_token);

// Background thread: delivers the outbox at least once, in order, retrying
// with backoff while audit-service is unreachable.
class OutboxShipper {
 public:
  OutboxShipper(Outbox* outbox, AuditSink* sink);
  ~OutboxShipper();
  void Start();
  // Ships what it can within `drain` (one last attempt), then stops.
  void Stop(absl::Duration drain = absl::Seconds(2));
  // Ships one batch now; returns how many events were delivered.
  absl::StatusOr<size_t> ShipOnce();

 private:
  void Run();

  Outbox* outbox_;
  AuditSink* sink_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_OUTBOX_H_
