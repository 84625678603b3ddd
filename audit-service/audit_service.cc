#include "audit-service/audit_service.h"

#include "common/admin_token.h"
#include "common/metrics.h"
#include "prometheus/counter.h"
#include "common/proto_util.h"
#include "common/status.h"

namespace scim::audit {
namespace {

// scim_audit_chain_verify_failures_total{tenant}: verifications that found
// a broken link (the alert that pages). Only tenants whose chain broke get a
// series.
void CountBrokenChain(const std::string& tenant) {
  static auto& failures = prometheus::BuildCounter()
                              .Name("scim_audit_chain_verify_failures_total")
                              .Help("Audit chain verifications that found a broken link")
                              .Register(MetricsRegistry());
  failures.Add({{"tenant", tenant}}).Increment();
}

}  // namespace

void AuditServiceImpl::EnableTenantReaders(TenantAuthorizer reader) {
  auto shared = std::make_shared<const TenantAuthorizer>(std::move(reader));
  absl::MutexLock lock(&mu_);
  reader_ = std::move(shared);
}

absl::Status AuditServiceImpl::CheckAdminOrReader(const grpc::ServerContext& context,
                                                  const std::string& tenant) {
  absl::Status admin = CheckAdmin(context, admin_token_);
  if (admin.ok() || tenant.empty()) return admin;
  std::shared_ptr<const TenantAuthorizer> reader;
  {
    absl::MutexLock lock(&mu_);
    reader = reader_;
  }
  if (reader == nullptr || BearerFromMetadata(context).empty()) return admin;
  return (*reader)(context, tenant);
}

grpc::Status AuditServiceImpl::Append(grpc::ServerContext* context,
                                      const v1::AppendRequest* request,
                                      v1::AppendResponse* response) {
  // The edge holds only the denial recorder's credential: it may append
  // refused requests and nothing else.
  const std::string bearer = BearerFromMetadata(*context);
  if (!bearer.empty() && ConstantTimeEquals(bearer, denial_token_)) {
    for (const v1::AuditEvent& e : request->events()) {
      if (e.operation() != kDeniedOperation) {
        return ToGrpcStatus(ScimError(
            absl::StatusCode::kPermissionDenied, "",
            "this credential may only record refused requests"));
      }
    }
    std::vector<v1::AuditEvent> events(request->events().begin(),
                                       request->events().end());
    auto appended = store_->Append(events);
    if (!appended.ok()) return ToGrpcStatus(appended.status());
    response->set_appended(*appended);
    return grpc::Status::OK;
  }
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    std::vector<v1::AuditEvent> events(request->events().begin(),
                                       request->events().end());
    ASSIGN_OR_RETURN(int appended, store_->Append(events));
    response->set_appended(appended);
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::Tail(grpc::ServerContext* context,
                                    const v1::TailRequest* request,
                                    v1::TailResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    int limit = request->limit() > 0 ? std::min(request->limit(), 1000) : 20;
    ASSIGN_OR_RETURN(auto events, store_->Tail(request->tenant(), limit));
    for (auto& e : events) *response->add_events() = std::move(e);
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::Query(grpc::ServerContext* context,
                                     const v1::QueryRequest* request,
                                     v1::QueryResponse* response) {
  absl::Status status = CheckAdminOrReader(*context, request->tenant());
  if (status.ok()) {
    absl::StatusOr<v1::QueryResponse> page = store_->Query(*request);
    if (page.ok()) *response = std::move(*page);
    status = page.status();
  }
  return ToGrpcStatus(status);
}

grpc::Status AuditServiceImpl::Follow(
    grpc::ServerContext* context, const v1::FollowRequest* request,
    grpc::ServerWriter<v1::AuditEvent>* writer) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    if (request->tenant().empty()) return InvalidValue("tenant is required");
    uint64_t after = request->after_sequence();
    while (!context->IsCancelled()) {
      v1::QueryRequest query;
      query.set_tenant(request->tenant());
      query.set_after_sequence(after);
      query.set_limit(1000);
      ASSIGN_OR_RETURN(v1::QueryResponse page, store_->Query(query));
      for (const auto& event : page.events()) {
        if (!writer->Write(event)) return absl::OkStatus();  // client gone
        after = event.sequence();
      }
      if (page.events().empty()) {
        store_->WaitForEvents(request->tenant(), after, absl::Seconds(1));
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status AuditServiceImpl::Verify(grpc::ServerContext* context,
                                      const v1::VerifyRequest* request,
                                      v1::VerifyResponse* response) {
  absl::Status status = CheckAdminOrReader(*context, request->tenant());
  if (status.ok() && request->tenant().empty()) status = InvalidValue("tenant is required");
  if (status.ok()) {
    absl::StatusOr<v1::VerifyResponse> verified = store_->Verify(request->tenant());
    if (verified.ok()) {
      if (!verified->ok()) CountBrokenChain(request->tenant());
      *response = std::move(*verified);
    }
    status = verified.status();
  }
  return ToGrpcStatus(status);
}

grpc::Status AuditServiceImpl::Prune(grpc::ServerContext* context,
                                     const v1::PruneRequest* request,
                                     v1::PruneResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    if (request->tenant().empty()) return InvalidValue("tenant is required");
    if (!request->has_before()) return InvalidValue("before is required");
    ASSIGN_OR_RETURN(*response, store_->Prune(request->tenant(),
                                              FromTimestamp(request->before())));
    return absl::OkStatus();
  });
}

}  // namespace scim::audit
