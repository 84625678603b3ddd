// identity-service as its own process (Kubernetes); scimd embeds the same.
#include "backup/backup_service.h"
#include "absl/flags/flag.h"
#include "common/key_encryption.h"
#include "common/etag_cache.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server.h"
#include "common/service_main.h"
#include "grpcpp/create_channel.h"
#include "identity-service/identity_component.h"
#include "identity-service/identity_flags.h"
#include "sharding/shard_map.h"
#include "sharding/wrong_shard.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

ABSL_FLAG(std::string, data_dir, "./data",
          "RocksDB lives in <data_dir>/identity");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50052",
          "gRPC listen address (port 0 = any free port)");
ABSL_FLAG(std::string, audit_addr, "127.0.0.1:50054",
          "audit-service address the outbox is shipped to");
ABSL_FLAG(std::string, token_addr, "127.0.0.1:50053",
          "token-service address, where callers' credentials are checked");
ABSL_FLAG(std::string, redis, "",
          "redis://host:port (or sentinel://host:port[,...]/name) of the edges' "
          "ETag cache: writes update it before they are acknowledged; empty = no cache");
ABSL_FLAG(std::string, admin_token_file, "",
          "admin token file (default <data_dir>/admin.token)");
ABSL_FLAG(std::string, etcd, "",
          "http://host:port[,host:port...]: the shard map lives there and this process "
          "is one shard; empty = the one implicit shard");
ABSL_FLAG(int32_t, shard, -1,
          "this process's shard number when --etcd is set (default: the number its "
          "hostname ends in, a StatefulSet pod's ordinal)");
ABSL_FLAG(std::string, advertise_addr, "",
          "the address other processes dial this shard at, registered in etcd "
          "(default: the bound --grpc_addr)");

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::ParseFlags(argc, argv,
                   "identity-service: users, groups and the SCIM engine");
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::unique_ptr<scim::EtagCache> etags;
  if (!absl::GetFlag(FLAGS_redis).empty()) {
    auto redis = scim::RedisClient::Create(absl::GetFlag(FLAGS_redis), scim::Clock::Real());
    if (!redis.ok()) {
      scim::LogError("bad --redis", {{"error", redis.status().ToString()}});
      return 2;
    }
    etags = std::make_unique<scim::EtagCache>(std::move(*redis), scim::Clock::Real());
  }
  // Encrypts webhook signing secrets at rest, as token-service does its keys.
  auto kek = scim::KeyEncryption::FromFlags();
  if (!kek.ok()) {
    scim::LogError("bad key-encryption key", {{"error", kek.status().ToString()}});
    return 2;
  }
  const std::unique_ptr<const scim::SchemaRegistry> registry =
      scim::SchemaRegistry::Core();
  // With --etcd: this process is one shard of the shard map.
  std::unique_ptr<scim::sharding::ShardMap> shard_map;
  int shard = absl::GetFlag(FLAGS_shard);
  if (!absl::GetFlag(FLAGS_etcd).empty()) {
    if (shard < 0) {
      char host[256] = {};
      gethostname(host, sizeof(host) - 1);
      shard = scim::sharding::OrdinalFromHostname(host);
      if (shard < 0) {
        scim::LogError("--etcd needs --shard (the hostname ends in no ordinal)",
                       {{"hostname", host}});
        return 2;
      }
    }
    if (shard >= scim::sharding::kMaxShards) {
      scim::LogError("--shard is out of range", {{"shard", absl::StrCat(shard)}});
      return 2;
    }
    int etcd_failed = 0;
    shard_map = scim::sharding::ShardMapFromFlag(absl::GetFlag(FLAGS_etcd), &etcd_failed);
    if (etcd_failed != 0) return etcd_failed;
  }
  std::unique_ptr<scim::identity::IdentityComponent> component;
  std::unique_ptr<scim::backup::BackupServiceImpl> backups;  // `scimctl backup create`
  scim::ServiceMainHooks hooks;
  hooks.open = [&](const std::string& admin_token)
      -> absl::StatusOr<std::vector<grpc::Service*>> {
    scim::identity::IdentityOptions options = scim::identity::IdentityOptionsFromFlags();
    options.kek = kek->get();
    auto opened = scim::identity::IdentityComponent::Open(
        data_dir + "/identity", registry.get(), scim::Runtime::Real(), options);
    if (!opened.ok()) return opened.status();
    component = std::move(*opened);
    if (shard_map != nullptr) component->EnableShards(admin_token, shard, shard_map.get());
    if (etags != nullptr) component->store().set_etag_cache(etags.get());
    component->store().set_list_scan_limit(absl::GetFlag(FLAGS_list_scan_limit));
    backups = std::make_unique<scim::backup::BackupServiceImpl>(
        admin_token, std::vector<scim::backup::SnapshotSource>{scim::backup::SourceOf(
                         "identity", component->kv(), scim::identity::IdentityComponent::data_format(),
                         data_dir + "/identity", shard_map != nullptr ? shard : -1)});
    std::vector<grpc::Service*> services = component->services();
    services.push_back(backups.get());
    return services;
  };
  hooks.bound = [&](int grpc_port) {
    if (shard_map == nullptr) return;
    std::string address = absl::GetFlag(FLAGS_advertise_addr);
    if (address.empty()) {
      auto bound = scim::ParseHostPort(absl::GetFlag(FLAGS_grpc_addr));
      address = absl::StrCat(bound.ok() && !bound->host.empty() ? bound->host : "127.0.0.1",
                             ":", grpc_port);
    }
    // Until it is registered, routers cannot reach this shard; its tenants
    // wait (503) rather than go elsewhere.
    for (int attempt = 0;; ++attempt) {
      absl::Status s = shard_map->RegisterShard(shard, address);
      if (s.ok()) break;
      scim::LogWarning("cannot register the shard in etcd; retrying",
                       {{"error", s.ToString()}, {"attempt", absl::StrCat(attempt)}});
      absl::SleepFor(absl::Seconds(1));
    }
    scim::LogInfo("identity shard registered",
                  {{"shard", absl::StrCat(shard)}, {"address", address}});
  };
  hooks.started = [&](const std::string& admin_token,
                      std::shared_ptr<grpc::ChannelCredentials> channel) {
    component->Start(
        {scim::v1::TokenService::NewStub(
             grpc::CreateChannel(absl::GetFlag(FLAGS_token_addr), channel)),
         scim::audit::ConnectAudit(absl::GetFlag(FLAGS_audit_addr), channel),
         admin_token},
        absl::GetFlag(FLAGS_tombstone_retention));
  };
  hooks.stopping = [&] { component->Stop(); };
  return scim::RunServiceMain("identity-service", data_dir,
                              absl::GetFlag(FLAGS_admin_token_file),
                              absl::GetFlag(FLAGS_grpc_addr), hooks);
}
