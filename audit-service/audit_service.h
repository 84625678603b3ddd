// AuditService over gRPC; every RPC requires the admin token, except that
// Append also takes the denial recorder's credential for refused requests.
#ifndef SCIM_AUDIT_SERVICE_AUDIT_SERVICE_H_
#define SCIM_AUDIT_SERVICE_AUDIT_SERVICE_H_

#include <string>

#include "audit-service/audit_store.h"
#include "common/admin_token.h"
#include "scim/v1/audit.grpc.pb.h"

namespace scim::audit {

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  // The operation of the events the denial recorder's credential may add.
  static constexpr char kDeniedOperation[] = "request.denied";

  AuditServiceImpl(AuditStore* store, std::string admin_token)
      : store_(store),
        admin_token_(std::move(admin_token)),
        denial_token_(DenialRecorderToken(admin_token_)) {}

  grpc::Status Append(grpc::ServerContext* context,
                      const v1::AppendRequest* request,
                      v1::AppendResponse* response) override;
  grpc::Status Tail(grpc::ServerContext* context,
                    const v1::TailRequest* request,
                    v1::TailResponse* response) override;
  grpc::Status Query(grpc::ServerContext* context,
                     const v1::QueryRequest* request,
                     v1::QueryResponse* response) override;
  grpc::Status Follow(grpc::ServerContext* context,
                      const v1::FollowRequest* request,
                      grpc::ServerWriter<v1::AuditEvent>* writer) override;
  grpc::Status Verify(grpc::ServerContext* context,
                      const v1::VerifyRequest* request,
                      v1::VerifyResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context,
                     const v1::PruneRequest* request,
                     v1::PruneResponse* response) override;

 private:
  AuditStore* store_;
  std::string admin_token_;
  const std::string denial_token_;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_SERVICE_H_
