#include "audit-service/audit_service.h"

#include "common/admin_token.h"
#include "common/status.h"

namespace scim::audit {

grpc::Status AuditServiceImpl::Append(grpc::ServerContext* context,
                                      const v1::AppendRequest* request,
                                      v1::AppendResponse* response) {
  absl::Status status = CheckAdmin(*context, admin_token_);
  if (!status.ok()) return ToGrpcStatus(status);
  std::vector<v1::AuditEvent> events(request->events().begin(),
                                     request->events().end());
  auto appended = store_->Append(events);
  if (!appended.ok()) return ToGrpcStatus(appended.status());
  response->set_appended(*appended);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::Tail(grpc::ServerContext* context,
                                    const v1::TailRequest* request,
                                    v1::TailResponse* response) {
  absl::Status status = CheckAdmin(*context, admin_token_);
  if (!status.ok()) return ToGrpcStatus(status);
  int limit = request->limit() > 0 ? std::min(request->limit(), 10000) : 20;
  auto events = store_->Tail(request->tenant(), limit);
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (auto& e : *events) *response->add_events() = std::move(e);
  return grpc::Status::OK;
}

}  // namespace scim::audit
