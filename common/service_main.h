// The body of every single-service binary: admin token, gRPC server, serving
// log line, wait for SIGTERM, drain.
#ifndef SCIM_COMMON_SERVICE_MAIN_H_
#define SCIM_COMMON_SERVICE_MAIN_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/security/credentials.h"

namespace scim {

struct ServiceMainHooks {
  // Opens the service's storage; returns the gRPC services to serve.
  std::function<absl::StatusOr<std::vector<grpc::Service*>>(
      const std::string& admin_token)>
      open;
  // Runs once the gRPC server is bound, with its port (e.g. register it).
  std::function<void(int grpc_port)> bound;
  // Runs once serving (e.g. start the outbox shipper); `channel` is what
  // calls to other services use (TLS per --tls_ca, mutual per --tls_cert).
  std::function<void(const std::string& admin_token,
                     std::shared_ptr<grpc::ChannelCredentials> channel)>
      started;
  // Runs after the server stopped accepting (e.g. flush the outbox).
  std::function<void()> stopping;
};

// Call after BlockShutdownSignals() and ParseFlags(). Returns the exit code.
int RunServiceMain(const std::string& binary, const std::string& data_dir,
                   const std::string& admin_token_file,
                   const std::string& grpc_addr, const ServiceMainHooks& hooks);

}  // namespace scim

#endif  // SCIM_COMMON_SERVICE_MAIN_H_
