#include "common/service_main.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "common/rpc_observer.h"
#include "common/tls.h"
#include "prometheus/exposer.h"
#include "common/admin_token.h"
#include "common/log.h"
#include "common/server.h"

// Here, not in each main: every service binary has it, and only they do.
ABSL_FLAG(std::string, metrics_addr, "",
          "serve Prometheus /metrics on this address (port 0 = any free "
          "port); empty = off");

ABSL_FLAG(bool, rpc_log, true,
          "log one JSON line per RPC (with the caller's request id)");

namespace scim {

int RunServiceMain(const std::string& binary, const std::string& data_dir,
                   const std::string& admin_token_file,
                   const std::string& grpc_addr,
                   const ServiceMainHooks& hooks) {
  SetRpcLogging(absl::GetFlag(FLAGS_rpc_log));
  auto admin = LoadOrCreateAdminToken(AdminTokenPath(data_dir, admin_token_file),
                                      *RandomSource::Secure());
  if (!admin.ok()) {
    LogError("cannot load the admin token", {{"error", admin.status().ToString()}});
    return 1;
  }
  const TlsFiles tls = TlsFilesFromFlags();
  auto server_credentials = GrpcServerCredentials(tls);
  auto channel_credentials = GrpcChannelCredentials(tls);
  for (const absl::Status& s :
       {server_credentials.status(), channel_credentials.status()}) {
    if (!s.ok()) {
      LogError("bad TLS settings", {{"error", s.ToString()}});
      return 2;
    }
  }
  auto services = hooks.open(*admin);
  if (!services.ok()) {
    LogError("cannot open storage", {{"error", services.status().ToString()}});
    return 1;
  }
  int port = 0;
  auto server =
      StartGrpcServer(grpc_addr, *services, &port, *server_credentials,
                      absl::GetFlag(FLAGS_grpc_reflection));
  if (!server.ok()) {
    LogError("cannot serve", {{"error", server.status().ToString()}});
    return 1;
  }
  std::unique_ptr<prometheus::Exposer> metrics;
  std::vector<std::pair<std::string, std::string>> serving = {
      {"grpc_port", absl::StrCat(port)}};
  if (const std::string addr = absl::GetFlag(FLAGS_metrics_addr); !addr.empty()) {
    int metrics_port = 0;
    auto exposer = ServeMetrics(addr, &metrics_port);
    if (!exposer.ok()) {
      LogError("cannot serve metrics", {{"error", exposer.status().ToString()}});
      return 1;
    }
    metrics = std::move(*exposer);
    serving.emplace_back("metrics_port", absl::StrCat(metrics_port));
  }
  if (hooks.bound) hooks.bound(port);
  if (hooks.started) hooks.started(*admin, *channel_credentials);
  LogServing(binary, serving);
  LogInfo("shutting down", {{"signal", WaitForShutdownSignal()}});
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (hooks.stopping) hooks.stopping();
  return 0;
}

}  // namespace scim
