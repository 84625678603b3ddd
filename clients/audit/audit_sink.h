// Where audit events go: the AuditSink interface and its gRPC implementation
// (audit-service's Append, authenticated with the admin token).
#ifndef SCIM_CLIENTS_AUDIT_AUDIT_SINK_H_
#define SCIM_CLIENTS_AUDIT_AUDIT_SINK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/security/credentials.h"
#include "scim/v1/audit.grpc.pb.h"

namespace scim::audit {

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

}  // namespace scim::audit

#endif  // SCIM_CLIENTS_AUDIT_AUDIT_SINK_H_
