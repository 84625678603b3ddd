// token-service as its own process; scimd embeds the same.
#include "backup/backup_service.h"
#include "absl/flags/flag.h"
#include "common/flags.h"
#include "common/key_encryption.h"
#include "common/log.h"
#include "common/server.h"
#include "common/service_main.h"
#include "token-service/token_component.h"

ABSL_FLAG(std::string, data_dir, "./data", "RocksDB lives in <data_dir>/token");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50053",
          "gRPC listen address (port 0 = any free port)");
ABSL_FLAG(std::string, audit_addr, "127.0.0.1:50054",
          "audit-service address that key and tenant events are shipped to");
ABSL_FLAG(std::string, admin_token_file, "",
          "admin token file (default <data_dir>/admin.token)");

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::ParseFlags(argc, argv, "token-service: tenants and credentials");
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto kek = scim::KeyEncryption::FromFlags();
  if (!kek.ok()) {
    scim::LogError("bad key-encryption key", {{"error", kek.status().ToString()}});
    return 2;
  }
  std::unique_ptr<scim::token::TokenComponent> component;
  std::unique_ptr<scim::backup::BackupServiceImpl> backups;  // `scimctl backup create`
  scim::ServiceMainHooks hooks;
  hooks.open = [&](const std::string& admin_token)
      -> absl::StatusOr<std::vector<grpc::Service*>> {
    auto opened = scim::token::TokenComponent::Open(data_dir + "/token", admin_token,
                                                    scim::Runtime::Real(), kek->get());
    if (!opened.ok()) return opened.status();
    component = std::move(*opened);
    backups = std::make_unique<scim::backup::BackupServiceImpl>(
        admin_token, std::vector<scim::backup::SnapshotSource>{scim::backup::SourceOf(
                         "token", component->kv(), scim::token::TokenComponent::data_format(),
                         data_dir + "/token")});
    return std::vector<grpc::Service*>{component->service(), backups.get()};
  };
  hooks.started = [&](const std::string& admin_token,
                      std::shared_ptr<grpc::ChannelCredentials> channel) {
    component->StartShipping(
        scim::audit::ConnectAudit(absl::GetFlag(FLAGS_audit_addr), channel),
        admin_token);
  };
  hooks.stopping = [&] { component->StopShipping(); };
  return scim::RunServiceMain("token-service", data_dir,
                              absl::GetFlag(FLAGS_admin_token_file),
                              absl::GetFlag(FLAGS_grpc_addr), hooks);
}
