#include "identity-service/outbox.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "common/log.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "identity-service/keys.h"

namespace scim::identity {

Outbox::Outbox(KvStore* store) : store_(store) {
  uint64_t last = 0;
  (void)store_->Scan(kOutboxCf, "", "",
                     [&](absl::string_view key, absl::string_view) {
                       uint64_t seq = 0;
                       if (absl::SimpleAtoi(key, &seq)) last = std::max(last, seq);
                       return true;
                     });
  next_sequence_ = last + 1;
}

absl::Status Outbox::Add(KvTransaction& txn, const v1::AuditEvent& event) {
  return txn.Put(kOutboxCf, OutboxKey(next_sequence_++),
                 event.SerializeAsString());
}

absl::Status Outbox::Peek(size_t max, std::vector<std::string>* keys,
                          std::vector<v1::AuditEvent>* events) {
  absl::Status parse_status;
  RETURN_IF_ERROR(store_->Scan(
      kOutboxCf, "", "", [&](absl::string_view key, absl::string_view value) {
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
  return RunInTransaction(*store_, [&](KvTransaction& txn) {
    for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(kOutboxCf, key));
    return absl::OkStatus();
  });
}

size_t Outbox::Depth() {
  size_t n = 0;
  (void)store_->Scan(kOutboxCf, "", "",
                     [&](absl::string_view, absl::string_view) {
                       ++n;
                       return true;
                     });
  return n;
}

void Outbox::Notify() {
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
  outbox_->Notify();
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
      if (!reported) {
        LogWarning("audit shipping failed; events stay in the outbox",
                   {{"error", shipped.status().ToString()}});
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

}  // namespace scim::identity
