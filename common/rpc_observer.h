// A gRPC server interceptor on every service: per-RPC metrics
// (scim_grpc_server_handled_total{method,code},
// scim_grpc_server_handling_seconds{method}) and one JSON log line per RPC
// carrying the caller's x-request-id, so a request can be followed from the
// edge's access log into every service's log.
#ifndef SCIM_COMMON_RPC_OBSERVER_H_
#define SCIM_COMMON_RPC_OBSERVER_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace scim {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcObserverFactory();

// Per-RPC log lines on or off (metrics are always kept). Default on.
void SetRpcLogging(bool enabled);

}  // namespace scim

#endif  // SCIM_COMMON_RPC_OBSERVER_H_
