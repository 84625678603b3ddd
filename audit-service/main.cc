// audit-service as its own process; scimd embeds the same.
#include "backup/backup_service.h"
#include "absl/flags/flag.h"
#include "audit-service/audit_component.h"
#include "audit-service/audit_flags.h"
#include "common/flags.h"
#include "common/key_encryption.h"
#include "common/log.h"
#include "common/server.h"
#include "common/service_main.h"
#include "grpcpp/create_channel.h"

ABSL_FLAG(std::string, data_dir, "./data", "RocksDB lives in <data_dir>/audit");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50054",
          "gRPC listen address (port 0 = any free port)");
ABSL_FLAG(std::string, token_addr, "127.0.0.1:50053",
          "token-service address, where a setup link's console credential is checked "
          "when it reads its tenant's trail");
ABSL_FLAG(std::string, admin_token_file, "",
          "admin token file (default <data_dir>/admin.token)");

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::ParseFlags(argc, argv, "audit-service: the per-tenant audit log");
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto kek = scim::KeyEncryption::FromFlags();
  if (!kek.ok()) {
    scim::LogError("bad key-encryption key", {{"error", kek.status().ToString()}});
    return 2;
  }
  std::unique_ptr<scim::audit::AuditComponent> component;
  std::unique_ptr<scim::backup::BackupServiceImpl> backups;  // `scimctl backup create`
  scim::ServiceMainHooks hooks;
  hooks.open = [&](const std::string& admin_token)
      -> absl::StatusOr<std::vector<grpc::Service*>> {
    auto opened = scim::audit::AuditComponent::Open(data_dir + "/audit", admin_token,
                                                    scim::Runtime::Real(), kek->get());
    if (!opened.ok()) return opened.status();
    component = std::move(*opened);
    component->StartRetention(absl::GetFlag(FLAGS_audit_retention));
    backups = std::make_unique<scim::backup::BackupServiceImpl>(
        admin_token, std::vector<scim::backup::SnapshotSource>{scim::backup::SourceOf(
                         "audit", component->kv(), scim::audit::AuditComponent::data_format(),
                         data_dir + "/audit", /*shard=*/-1,
                         {std::string(scim::audit::AuditComponent::kSigningKeyFile)})});
    return std::vector<grpc::Service*>{component->service(), backups.get()};
  };
  hooks.started = [&](const std::string&, std::shared_ptr<grpc::ChannelCredentials> channel) {
    component->EnableTenantReaders(scim::v1::TokenService::NewStub(
        grpc::CreateChannel(absl::GetFlag(FLAGS_token_addr), channel)));
  };
  return scim::RunServiceMain("audit-service", data_dir,
                              absl::GetFlag(FLAGS_admin_token_file),
                              absl::GetFlag(FLAGS_grpc_addr), hooks);
}
