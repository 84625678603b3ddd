// What every service binary shares: parsing host:port, building a gRPC server
// with health checking and reflection, and waiting for SIGTERM/SIGINT.
#ifndef SCIM_COMMON_SERVER_H_
#define SCIM_COMMON_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

// --grpc_reflection: whether gRPC servers describe their API to anyone who
// asks (grpcurl, debugging). Off by default: the API's shape is nobody's
// business but the operator's.
ABSL_DECLARE_FLAG(bool, grpc_reflection);

namespace scim {

struct HostPort {
  std::string host;
  int port = 0;
};

// "127.0.0.1:8080", "[::1]:0", ":8080" (all interfaces).
absl::StatusOr<HostPort> ParseHostPort(const std::string& address);

// Builds and starts a gRPC server on `address` (port 0 = any free port) with
// the given services, grpc.health.v1 and, when `reflection` is set, server
// reflection. `bound_port` receives the port actually bound.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    const std::string& address, const std::vector<grpc::Service*>& services,
    int* bound_port,
    std::shared_ptr<grpc::ServerCredentials> credentials =
        grpc::InsecureServerCredentials(),
    bool reflection = false);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// afterwards; call first thing in main.
void BlockShutdownSignals();
// Waits for SIGTERM or SIGINT; returns the signal's name.
std::string WaitForShutdownSignal();

}  // namespace scim

#endif  // SCIM_COMMON_SERVER_H_

namespace scim {

// Logs `{"msg":"serving", ...fields}`: tests and operators read the bound
// addresses from it.
void LogServing(const std::string& binary,
                const std::vector<std::pair<std::string, std::string>>& addrs);

// "<data_dir>/admin.token" unless `flag_value` names a file.
std::string AdminTokenPath(const std::string& data_dir,
                           const std::string& flag_value);

}  // namespace scim
