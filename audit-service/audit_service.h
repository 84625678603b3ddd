// AuditService over gRPC; every RPC requires the admin token, except that
// Append also takes the denial recorder's credential for refused requests,
// and Query and Verify of one tenant also admit that tenant's readers (a
// setup link's console) once EnableTenantReaders has run.
#ifndef SCIM_AUDIT_SERVICE_AUDIT_SERVICE_H_
#define SCIM_AUDIT_SERVICE_AUDIT_SERVICE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

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

  // From now on Query and Verify of a tenant also admit callers `reader`
  // lets read it. May be called while serving.
  void EnableTenantReaders(TenantAuthorizer reader) ABSL_LOCKS_EXCLUDED(mu_);

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
  // OK for the admin token, or for a reader of `tenant` (never for all
  // tenants at once).
  absl::Status CheckAdminOrReader(const grpc::ServerContext& context,
                                  const std::string& tenant) ABSL_LOCKS_EXCLUDED(mu_);

  AuditStore* store_;
  std::string admin_token_;
  const std::string denial_token_;
  absl::Mutex mu_;
  std::shared_ptr<const TenantAuthorizer> reader_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_SERVICE_H_
