#include "audit-service/outbox.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "common/log.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "absl/strings/str_format.h"
#include "common/metrics.h"
#include "common/proto_util.h"
#include "common/request_metadata.h"

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

std::string Metadata(const grpc::ServerContext& context, const char* key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

EventContext EventContextFromGrpc(const grpc::ServerContext& context) {
  EventContext out;
  out.actor = Metadata(context, kActorMetadata);
  out.request_id = Metadata(context, kRequestIdMetadata);
  out.client_address = Metadata(context, kClientAddressMetadata);
  if (out.client_address.empty()) out.client_address = context.peer();
  return out;
}

v1::AuditEvent NewEvent(Clock& clock, RandomSource& random,
                        absl::string_view tenant, absl::string_view operation,
                        absl::string_view resource_type,
                        absl::string_view resource_id,
                        const EventContext& context) {
  v1::AuditEvent event;
  event.set_id(NewUuidV7(clock, random));
  event.set_tenant(std::string(tenant));
  *event.mutable_time() = ToTimestamp(clock.Now());
  event.set_actor(context.actor);
  event.set_client_address(context.client_address);
  event.set_request_id(context.request_id);
  event.set_operation(std::string(operation));
  event.set_resource_type(std::string(resource_type));
  event.set_resource_id(std::string(resource_id));
  event.set_outcome("success");
  return event;
}

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
  Wake();
}

void Outbox::StartShipping(std::unique_ptr<AuditSink> sink) {
  sink_ = std::move(sink);
  shipper_ = std::make_unique<OutboxShipper>(this, sink_.get());
  shipper_->Start();
}

void Outbox::StopShipping(absl::Duration drain) {
  if (shipper_) shipper_->Stop(drain);
  shipper_.reset();
}

absl::Status Outbox::Peek(size_t max, std::vector<std::string>* keys,
                          std::vector<v1::AuditEvent>* events) {
  absl::Status parse_status;
  RETURN_IF_ERROR(store_->Scan(
      cf_, "", "", [&](absl::string_view key, absl::string_view value) {
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
  RETURN_IF_ERROR(RunInTransaction(*store_, [&](KvTransaction& txn) {
    for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(cf_, key));
    return absl::OkStatus();
  }));
  depth_ -= std::min(depth_.load(), keys.size());
  depth_gauge_->Set(static_cast<double>(depth_.load()));
  return absl::OkStatus();
}

void Outbox::Wake() {
  absl::MutexLock lock(&mu_);
  pending_ = true;
}

void Outbox::WaitForWork(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&pending_), timeout);
  pending_ = false;
}

namespace {

class GrpcAuditSink : public AuditSink {
 public:
  GrpcAuditSink(std::shared_ptr<v1::AuditService::StubInterface> stub,
                std::string admin_token)
      : stub_(std::move(stub)), admin_token_(std::move(admin_token)) {}

  absl::Status Append(const std::vector<v1::AuditEvent>& events) override {
    v1::AppendRequest request;
    for (const auto& e : events) *request.add_events() = e;
    v1::AppendResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin_token_);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    return FromGrpcStatus(stub_->Append(&context, request, &response));
  }

 private:
  std::shared_ptr<v1::AuditService::StubInterface> stub_;
  std::string admin_token_;
};

}  // namespace

std::shared_ptr<v1::AuditService::StubInterface> ConnectAudit(
    const std::string& address,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  return v1::AuditService::NewStub(grpc::CreateChannel(address, credentials));
}

std::unique_ptr<AuditSink> NewGrpcAuditSink(
    std::shared_ptr<v1::AuditService::StubInterface> stub,
    std::string admin_token) {
  return std::make_unique<GrpcAuditSink>(std::move(stub),
                                         std::move(admin_token));
}

OutboxShipper::OutboxShipper(Outbox* outbox, AuditSink* sink)
    : outbox_(outbox), sink_(sink) {}

OutboxShipper::~OutboxShipper() { Stop(absl::ZeroDuration()); }

void OutboxShipper::Start() {
  thread_ = std::thread([this] { Run(); });
}

void OutboxShipper::Stop(absl::Duration drain) {
  if (!thread_.joinable()) return;
  stop_ = true;
  outbox_->Committed(0);
  thread_.join();
  absl::Time deadline = absl::Now() + drain;
  while (absl::Now() < deadline) {
    auto shipped = ShipOnce();
    if (!shipped.ok() || *shipped == 0) break;
  }
}

absl::StatusOr<size_t> OutboxShipper::ShipOnce() {
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  RETURN_IF_ERROR(outbox_->Peek(256, &keys, &events));
  if (events.empty()) return 0;
  RETURN_IF_ERROR(sink_->Append(events));
  RETURN_IF_ERROR(outbox_->Remove(keys));
  return events.size();
}

void OutboxShipper::Run() {
  absl::Duration backoff = absl::Milliseconds(50);
  bool reported = false;
  while (!stop_) {
    auto shipped = ShipOnce();
    if (!shipped.ok()) {
      outbox_->shipping_failures->Increment();
      if (!reported) {
        LogWarning("audit shipping failed; events stay in the outbox",
                   {{"error", shipped.status().ToString()},
                    {"outbox_depth", absl::StrCat(outbox_->Depth())}});
        reported = true;
      }
      // Not WaitForWork: new writes must not defeat the backoff.
      for (absl::Duration slept; slept < backoff && !stop_;
           slept += absl::Milliseconds(50)) {
        absl::SleepFor(absl::Milliseconds(50));
      }
      backoff = std::min(backoff * 2, absl::Seconds(2));
      continue;
    }
    if (reported) LogInfo("audit shipping resumed");
    reported = false;
    backoff = absl::Milliseconds(50);
    if (*shipped == 0) outbox_->WaitForWork(absl::Milliseconds(500));
  }
}

}  // namespace scim::audit
