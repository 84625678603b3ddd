#include "common/server.h"

#include <signal.h>

#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/rpc_observer.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/security/server_credentials.h"

ABSL_FLAG(bool, grpc_reflection, false,
          "serve gRPC server reflection (for grpcurl and debugging)");

namespace scim {
namespace {

// gRPC's reflection library puts its plugin into every ServerBuilder as soon
// as the library is loaded; this option takes it out again.
class WithoutReflection : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(
      std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [](const auto& plugin) {
                                    return plugin->name() == "proto_server_reflection";
                                  }),
                   plugins->end());
  }
};

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "' is not host:port"));
  }
  HostPort out;
  out.host = address.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' &&
      out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty()) out.host = "0.0.0.0";
  if (!absl::SimpleAtoi(address.substr(colon + 1), &out.port) ||
      out.port < 0 || out.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "' has no valid port"));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    const std::string& address, const std::vector<grpc::Service*>& services,
    int* bound_port, std::shared_ptr<grpc::ServerCredentials> credentials,
    bool reflection) {
  static bool once = [] {
    grpc::EnableDefaultHealthCheckService(true);
    return true;
  }();
  (void)once;
  if (reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto hp = ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, credentials, bound_port);
  if (!reflection) builder.SetOption(std::make_unique<WithoutReflection>());
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewRpcObserverFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *bound_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", address));
  }
  return server;
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client closing its socket mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

std::string WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace scim

namespace scim {

void LogServing(const std::string& binary,
                const std::vector<std::pair<std::string, std::string>>& addrs) {
  LogFields fields = {{"binary", binary}};
  for (const auto& a : addrs) fields.push_back(a);
  LogInfo("serving", fields);
}

std::string AdminTokenPath(const std::string& data_dir,
                           const std::string& flag_value) {
  return flag_value.empty() ? data_dir + "/admin.token" : flag_value;
}

}  // namespace scim
