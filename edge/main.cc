// scim-edge: the SCIM HTTP edge as its own process, calling identity-service
// and token-service over gRPC.
#include "absl/flags/flag.h"
#include "common/etag_cache.h"
#include "absl/strings/str_cat.h"
#include "clients/audit/audit_sink.h"
#include "common/admin_token.h"
#include "common/secret_file.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server.h"
#include "common/tls.h"
#include "edge/edge_flags.h"
#include "edge/edge_component.h"
#include "sharding/identity_router.h"
#include "sharding/shard_map.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "SCIM HTTP listen address (port 0 = any free port)");
ABSL_FLAG(std::string, identity_addr, "127.0.0.1:50052",
          "identity-service gRPC address");
ABSL_FLAG(std::string, token_addr, "127.0.0.1:50053",
          "token-service gRPC address");
ABSL_FLAG(std::string, audit_addr, "127.0.0.1:50054",
          "audit-service gRPC address, where refused requests are recorded");
ABSL_FLAG(std::string, denial_token_file, "",
          "file holding the credential that records refused requests in the "
          "audit log (`scimctl credential denial-token` prints it); empty = do "
          "not record them");
ABSL_FLAG(std::string, etcd, "",
          "http://host:port[,host:port...]: route each tenant to its identity shard by "
          "the shard map there (then --identity_addr is unused)");
ABSL_FLAG(std::string, admin_token_file, "",
          "deprecated: the edge needs only --denial_token_file; given the admin "
          "token, it derives that credential and forgets the admin token");

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::ParseFlags(argc, argv, "scim-edge: the SCIM 2.0 HTTP edge");
  auto http = scim::ParseHostPort(absl::GetFlag(FLAGS_http_addr));
  if (!http.ok()) {
    scim::LogError("bad --http_addr", {{"error", http.status().ToString()}});
    return 2;
  }
  auto options = scim::edge::EdgeOptionsFromFlags();
  if (!options.ok()) {
    scim::LogError("bad edge flags", {{"error", options.status().ToString()}});
    return 2;
  }
  const scim::TlsFiles tls = scim::TlsFilesFromFlags();
  auto channel_credentials = scim::GrpcChannelCredentials(tls);
  if (!channel_credentials.ok()) {
    scim::LogError("bad TLS settings",
                   {{"error", channel_credentials.status().ToString()}});
    return 2;
  }
  const scim::Runtime runtime = scim::Runtime::Real();
  auto creds = *channel_credentials;
  auto token_channel = grpc::CreateChannel(absl::GetFlag(FLAGS_token_addr), creds);
  auto identity_channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_identity_addr), creds);
  scim::edge::EdgePeers peers{scim::v1::IdentityService::NewStub(identity_channel),
                              scim::v1::TokenService::NewStub(token_channel),
                              nullptr, "",
                              // identity-service serves the schemas too.
                              scim::v1::SchemaService::NewStub(identity_channel),
                              // The console's activity, with the admin's token.
                              scim::audit::ConnectAudit(absl::GetFlag(FLAGS_audit_addr), creds)};
  // With --etcd, calls go to each tenant's shard.
  int etcd_failed = 0;
  std::unique_ptr<scim::sharding::ShardMap> shard_map =
      scim::sharding::ShardMapFromFlag(absl::GetFlag(FLAGS_etcd), &etcd_failed);
  if (etcd_failed != 0) return etcd_failed;
  if (shard_map != nullptr) {
    peers.identity_router = scim::sharding::IdentityRouter::Sharded(shard_map.get(), creds);
  }
  if (const std::string path = absl::GetFlag(FLAGS_denial_token_file);
      !path.empty()) {
    auto token = scim::LoadSecretFile(path);
    if (!token.ok()) {
      scim::LogError("cannot read --denial_token_file",
                     {{"error", token.status().ToString()}});
      return 1;
    }
    peers.audit = scim::audit::ConnectAudit(absl::GetFlag(FLAGS_audit_addr), creds);
    peers.denial_token = *token;
  } else if (const std::string admin_path = absl::GetFlag(FLAGS_admin_token_file);
             !admin_path.empty()) {
    auto admin = scim::LoadOrCreateAdminToken(admin_path, *runtime.random);
    if (!admin.ok()) {
      scim::LogError("cannot read the admin token",
                     {{"error", admin.status().ToString()}});
      return 1;
    }
    scim::LogWarning("--admin_token_file on the edge is deprecated: give it "
                     "--denial_token_file instead");
    peers.audit = scim::audit::ConnectAudit(absl::GetFlag(FLAGS_audit_addr), creds);
    peers.denial_token = scim::DenialRecorderToken(*admin);
  } else {
    scim::LogWarning("refused requests are not recorded in the audit log "
                     "(no --denial_token_file)");
  }
  options->http.tls = tls;
  auto redis = scim::edge::RedisFromFlags(runtime.clock);
  if (!redis.ok()) {
    scim::LogError("bad --redis", {{"error", redis.status().ToString()}});
    return 2;
  }
  const std::unique_ptr<const scim::SchemaRegistry> registry =
      scim::SchemaRegistry::Core();
  scim::edge::EdgeComponent edge_component(std::move(peers), redis->client,
                                           redis->etags.get(),
                                           registry.get(), *options, runtime);
  scim::edge::EdgeServer& edge = edge_component.server();
  edge.AddDependency("token-service", token_channel);
  if (shard_map == nullptr) edge.AddDependency("identity-service", identity_channel);
  auto port = edge.Start(http->host, http->port);
  if (!port.ok()) {
    scim::LogError("cannot serve", {{"error", port.status().ToString()}});
    return 1;
  }
  scim::LogServing("scim-edge", {{"http_port", absl::StrCat(*port)}});
  scim::LogInfo("shutting down", {{"signal", scim::WaitForShutdownSignal()}});
  edge.Stop(options->drain_timeout);
  return 0;
}
