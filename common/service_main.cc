#include "common/service_main.h"

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/log.h"
#include "common/server.h"

namespace scim {

int RunServiceMain(const std::string& binary, const std::string& data_dir,
                   const std::string& admin_token_file,
                   const std::string& grpc_addr,
                   const ServiceMainHooks& hooks) {
  auto admin = LoadOrCreateAdminToken(AdminTokenPath(data_dir, admin_token_file),
                                      *RandomSource::Secure());
  if (!admin.ok()) {
    LogError("cannot load the admin token", {{"error", admin.status().ToString()}});
    return 1;
  }
  auto services = hooks.open(*admin);
  if (!services.ok()) {
    LogError("cannot open storage", {{"error", services.status().ToString()}});
    return 1;
  }
  int port = 0;
  auto server = StartGrpcServer(grpc_addr, *services, &port);
  if (!server.ok()) {
    LogError("cannot serve", {{"error", server.status().ToString()}});
    return 1;
  }
  if (hooks.started) hooks.started(*admin);
  LogServing(binary, {{"grpc_port", absl::StrCat(port)}});
  LogInfo("shutting down", {{"signal", WaitForShutdownSignal()}});
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (hooks.stopping) hooks.stopping();
  return 0;
}

}  // namespace scim
