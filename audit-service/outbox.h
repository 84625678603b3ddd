// The client side of the audit trail, linked by every service that mutates
// state: the outbox, where a mutation puts its audit event inside its own
// transaction (so no acknowledged change lacks its event), and the shipper,
// which forwards the outbox to audit-service and deletes what it
// acknowledged.
#ifndef SCIM_AUDIT_SERVICE_OUTBOX_H_
#define SCIM_AUDIT_SERVICE_OUTBOX_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "common/clock.h"
#include "common/random.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_context.h"
#include "scim/v1/audit.grpc.pb.h"
#include "storage/kv_store.h"

namespace scim::audit {

// Who is asking, for the audit trail.
struct EventContext {
  std::string actor;
  std::string client_address;
  std::string request_id;
};

// From the metadata the edge (or any internal caller) sends.
EventContext EventContextFromGrpc(const grpc::ServerContext& context);

// A new event with a time-ordered id and outcome "success".
v1::AuditEvent NewEvent(Clock& clock, RandomSource& random,
                        absl::string_view tenant, absl::string_view operation,
                        absl::string_view resource_type,
                        absl::string_view resource_id,
                        const EventContext& context);

// Something that accepts batches of events (audit-service over gRPC).
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual absl::Status Append(const std::vector<v1::AuditEvent>& events) = 0;
};

// An AuditService stub on a new channel to `address` (separate processes).
std::shared_ptr<v1::AuditService::StubInterface> ConnectAudit(
    const std::string& address,
    std::shared_ptr<grpc::ChannelCredentials> credentials);

// AuditSink over an AuditService stub, authenticated with the admin token.
std::unique_ptr<AuditSink> NewGrpcAuditSink(
    std::shared_ptr<v1::AuditService::StubInterface> stub,
    std::string admin_token);

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

  // Reads up to `max` pending events, oldest first, with their keys.
  absl::Status Peek(size_t max, std::vector<std::string>* keys,
                    std::vector<v1::AuditEvent>* events);
  absl::Status Remove(const std::vector<std::string>& keys);
  // Events waiting to be shipped.
  size_t Depth() const { return depth_; }

  // Waits up to `timeout` for Committed() (or StopShipping()).
  void WaitForWork(absl::Duration timeout);

  // Ships to audit-service in the background until StopShipping().
  void StartShipping(std::unique_ptr<AuditSink> sink);
  // Ships what it can within `drain`, then stops the shipper.
  void StopShipping(absl::Duration drain = absl::Seconds(2));

 private:
  void Wake();

  KvStore* store_;
  const std::string cf_;
  const size_t max_depth_;
  std::atomic<uint64_t> next_sequence_{1};
  std::atomic<size_t> depth_{0};
  absl::Mutex mu_;
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<AuditSink> sink_;
  std::unique_ptr<OutboxShipper> shipper_;
  prometheus::Gauge* depth_gauge_;
  prometheus::Counter* rejected_writes_;

 public:
  prometheus::Counter* const shipping_failures;
};

// Delivers an outbox at least once, in order, retrying with backoff while
// audit-service is unreachable.
class OutboxShipper {
 public:
  OutboxShipper(Outbox* outbox, AuditSink* sink);
  ~OutboxShipper();
  void Start();
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

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_OUTBOX_H_
