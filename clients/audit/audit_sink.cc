#include "clients/audit/audit_sink.h"

#include <chrono>

#include "common/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"

namespace scim::audit {
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

}  // namespace scim::audit
